import { profileLimits, type Profile } from '@palisade/contracts';
import { Type, type Static } from 'typebox';

/** Free-form JSON object stored with a profile. Its size and shape limits are in metadata-limits. */
export const metadataSchema = Type.Record(Type.String(), Type.Unknown(), {
  description:
    `Free-form JSON object: at most ${profileLimits.metadataMaxBytes} bytes as JSON, ` +
    `${profileLimits.metadataMaxDepth} levels deep and ${profileLimits.metadataMaxKeys} keys ` +
    'per object.',
});

/** A user's profile as the API returns it. */
export const profileSchema = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    subject: Type.String({ description: 'Subject (`sub`) of the user at the identity provider.' }),
    displayName: Type.String(),
    email: Type.String({ description: 'Email address; empty when not set.' }),
    locale: Type.String({ description: 'BCP 47 language tag; empty when not set.' }),
    metadata: metadataSchema,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export type ProfileJson = Static<typeof profileSchema>;

/** Converts a gatekeeper profile to its JSON form. */
export function toProfileJson(profile: Profile): ProfileJson {
  return {
    userId: profile.userId,
    subject: profile.subject,
    displayName: profile.displayName,
    email: profile.email,
    locale: profile.locale,
    metadata: profile.metadata ?? {},
    createdAt: isoTimestamp(profile.createdAt, 'Profile.created_at'),
    updatedAt: isoTimestamp(profile.updatedAt, 'Profile.updated_at'),
  };
}

/**
 * Formats a timestamp from a gatekeeper response.
 *
 * @throws {Error} when the gatekeeper left it unset, which breaks the contract and becomes a 500.
 */
export function isoTimestamp(value: Date | undefined, field: string): string {
  if (value === undefined) throw new Error(`The gatekeeper response has no ${field}`);
  return value.toISOString();
}
