import {
  displayCharactersPattern,
  localePattern,
  profileLimits,
  type UpdateProfileRequest,
} from '@palisade/contracts';
import { Type, type Static } from 'typebox';

import { ProblemError, problemKinds, problemResponse } from '../problem/problem.js';
import { findMetadataProblem, metadataLimits } from './metadata-limits.js';
import { metadataSchema, profileSchema, toProfileJson } from './profile-schema.js';
import {
  bearerSecurity,
  callContextOf,
  type RouteDependencies,
  type TypedApp,
} from './route-context.js';

/** Body of `PATCH /api/me`: the fields to change. Absent fields stay as they are. */
export const profilePatchSchema = Type.Object(
  {
    displayName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: profileLimits.displayNameMaxLength,
        // Control and bidirectional characters could forge lines or reorder text where it is shown.
        pattern: displayCharactersPattern,
      }),
    ),
    email: Type.Optional(Type.String({ format: 'email', maxLength: profileLimits.emailMaxLength })),
    locale: Type.Optional(
      Type.String({
        maxLength: profileLimits.localeMaxLength,
        pattern: localePattern,
        description: 'BCP 47 language tag, for example `en` or `en-GB`.',
      }),
    ),
    metadata: Type.Optional(metadataSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type ProfilePatch = Static<typeof profilePatchSchema>;

/** Field mask names of the gatekeeper's UpdateProfile, by body property. */
const updateMaskNames: Readonly<Record<keyof ProfilePatch, string>> = {
  displayName: 'display_name',
  email: 'email',
  locale: 'locale',
  metadata: 'metadata',
};

const errorResponses = {
  401: problemResponse('Missing or invalid access token.'),
  503: problemResponse('Gatekeeper or identity provider unavailable.'),
  504: problemResponse('Gatekeeper timed out.'),
};

/** Registers the routes on the caller's own profile. */
export function registerMeRoutes(app: TypedApp, deps: RouteDependencies): void {
  app.get(
    '/api/me',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: "Returns the caller's profile, creating the user on first use",
        tags: ['profile'],
        security: bearerSecurity,
        response: { 200: profileSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const profile = await deps.gatekeeper.ensureUser(
        callContextOf(request, reply, deps.timeouts),
      );
      return toProfileJson(profile);
    },
  );

  app.patch(
    '/api/me',
    {
      onRequest: deps.policies.authenticated,
      preHandler: (request) => checkMetadataLimits(request.body.metadata),
      schema: {
        summary: "Changes the given fields of the caller's profile",
        description:
          'Fields left out stay unchanged. Metadata replaces the stored object and is limited to ' +
          `${metadataLimits.maxBytes} bytes.`,
        tags: ['profile'],
        security: bearerSecurity,
        body: profilePatchSchema,
        response: {
          200: profileSchema,
          400: problemResponse('Invalid body; `errors` names each field at fault.'),
          413: problemResponse('Body too large.'),
          415: problemResponse('Body is not JSON.'),
          422: problemResponse('The change cannot be applied in the current state.'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const update = toUpdateProfileRequest(request.body);
      const context = callContextOf(request, reply, deps.timeouts);
      const profile = await deps.gatekeeper.updateProfile(context, update);
      return toProfileJson(profile);
    },
  );
}

/** Rejects metadata over its limits, which the schema alone cannot express. */
function checkMetadataLimits(metadata: ProfilePatch['metadata']): Promise<void> {
  const problem = metadata === undefined ? undefined : findMetadataProblem(metadata);
  if (problem === undefined) return Promise.resolve();

  const detail = `${problem.field} ${problem.message}`;
  return Promise.reject(new ProblemError(problemKinds.validation, detail, { errors: [problem] }));
}

/** Converts a validated patch into an UpdateProfile request whose mask lists the given fields. */
export function toUpdateProfileRequest(patch: ProfilePatch): UpdateProfileRequest {
  const fields = (Object.keys(updateMaskNames) as (keyof ProfilePatch)[]).filter(
    (field) => patch[field] !== undefined,
  );
  return {
    userId: '',
    updateMask: fields.map((field) => updateMaskNames[field]),
    displayName: patch.displayName,
    email: patch.email,
    locale: patch.locale,
    metadata: patch.metadata,
  };
}
