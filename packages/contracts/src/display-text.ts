/**
 * Characters that a one-line display text (a title, a name) may not contain: C0 and C1 control
 * characters, DEL, the line and paragraph separators, and the bidirectional formatting controls.
 * They could forge lines or reorder the text wherever it is shown, and PostgreSQL text cannot
 * hold NUL. Written for a character class of a regular expression in Unicode mode.
 */
const forbiddenRanges =
  '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

/** A UTF-16 surrogate that is not part of a pair (only in Unicode mode). */
const loneSurrogate = '\\ud800-\\udfff';

/** JSON Schema pattern of a display text: only allowed characters, at least one visible. */
export const displayTextPattern = `^(?=.*\\S)[^${forbiddenRanges}${loneSurrogate}]+$`;

/** JSON Schema pattern of a display text that may be blank: only allowed characters. */
export const displayCharactersPattern = `^[^${forbiddenRanges}${loneSurrogate}]*$`;

const forbiddenCharacter = new RegExp(`[${forbiddenRanges}${loneSurrogate}]`, 'u');

/**
 * Returns the first character of `text` that a display text may not contain, as `U+XXXX`, or
 * undefined when there is none.
 */
export function forbiddenDisplayCharacter(text: string): string | undefined {
  const found = forbiddenCharacter.exec(text)?.[0];
  if (found === undefined) return undefined;
  const code = found.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}
