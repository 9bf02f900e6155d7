import {
  forbiddenDisplayCharacter,
  checkMetadataLimits,
  emailPattern,
  localePattern,
  profileLimits,
  profileUpdateFields,
  type UpdateProfileRequest,
} from '@palisade/contracts';

import { invalidArgument } from '../errors.js';
import type { ProfileChanges } from './user-store.js';

const email = new RegExp(emailPattern);
const locale = new RegExp(localePattern);

/**
 * Checks an UpdateProfile request against the field rules and returns the
 * changes it names. The web tier validated already; the gatekeeper checks
 * again because it trusts no caller's validation.
 */
export function readProfileChanges(request: UpdateProfileRequest): ProfileChanges {
  const mask = request.updateMask;
  if (mask.length === 0) {
    throw invalidArgument(
      `update_mask is empty: name at least one of ${profileUpdateFields.join(', ')}`,
    );
  }
  for (const field of mask) {
    if (!(profileUpdateFields as readonly string[]).includes(field)) {
      throw invalidArgument(
        `update_mask contains unknown field "${field}": use ${profileUpdateFields.join(', ')}`,
      );
    }
  }
  if (new Set(mask).size !== mask.length) {
    throw invalidArgument('update_mask names a field more than once');
  }

  const changes: { -readonly [K in keyof ProfileChanges]: ProfileChanges[K] } = {};
  if (mask.includes('display_name')) changes.displayName = checkDisplayName(request.displayName);
  if (mask.includes('email')) changes.email = checkEmail(request.email);
  if (mask.includes('locale')) changes.locale = checkLocale(request.locale);
  if (mask.includes('metadata')) changes.metadata = checkMetadata(request.metadata);
  return changes;
}

function checkDisplayName(value: string | undefined): string {
  if (value === undefined) throw invalidArgument('display_name is in update_mask but not set');
  // Counted in code points, as the web tier's schema and PostgreSQL's char_length count.
  const length = [...value].length;
  if (length === 0) throw invalidArgument('display_name is empty: send 1 or more characters');
  if (length > profileLimits.displayNameMaxLength) {
    throw invalidArgument(
      `display_name is ${length} characters; the limit is ${profileLimits.displayNameMaxLength}`,
    );
  }
  const forbidden = forbiddenDisplayCharacter(value);
  if (forbidden !== undefined) {
    throw invalidArgument(
      `display_name contains ${forbidden}, a control or formatting character: remove it`,
    );
  }
  return value;
}

function checkEmail(value: string | undefined): string {
  if (value === undefined) throw invalidArgument('email is in update_mask but not set');
  if (value.length > profileLimits.emailMaxLength || !email.test(value)) {
    throw invalidArgument('email is not a valid address such as name@example.org');
  }
  return value;
}

function checkLocale(value: string | undefined): string {
  if (value === undefined) throw invalidArgument('locale is in update_mask but not set');
  if (value.length > profileLimits.localeMaxLength || !locale.test(value)) {
    throw invalidArgument('locale is not a BCP 47 language tag such as en or en-GB');
  }
  return value;
}

function checkMetadata(value: Record<string, unknown> | undefined): Record<string, unknown> {
  if (value === undefined) throw invalidArgument('metadata is in update_mask but not set');
  const problem = checkMetadataLimits(value);
  if (problem !== undefined) throw invalidArgument(problem);
  return value;
}
