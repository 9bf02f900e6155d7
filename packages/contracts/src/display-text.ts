/**
 * Characters that a one-line display text (a title, a name) may not contain. They are the C0 and
 * C1 control characters, DEL, the line and paragraph separators, and the bidirectional marks and
 * controls. The invisible zero-width space, word joiner, invisible operators, byte order mark
 * and tag characters are too. They could forge lines, reorder the text or hide content wherever
 * it is shown, and PostgreSQL text cannot hold NUL. The zero-width joiner and non-joiner stay allowed,
 * because emoji sequences and several scripts need them. Written for a character class of a
 * regular expression in Unicode mode.
 */
const forbiddenRanges =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f\\u2028-\\u202e' +
  '\\u2060-\\u2069\\ufeff\\u{e0000}-\\u{e007f}';

/** A UTF-16 surrogate that is not part of a pair (only in Unicode mode). */
const loneSurrogate = '\\ud800-\\udfff';

/**
 * Characters that show nothing on their own: white space, the joiners, the soft hyphen and the
 * Hangul fillers. A display text needs at least one character outside them.
 */
const invisible = '\\s\\u00ad\\u115f\\u1160\\u200c\\u200d\\u3164\\uffa0';

/** JSON Schema pattern of a display text: only allowed characters, at least one visible. */
export const displayTextPattern = `^(?=.*[^${invisible}])[^${forbiddenRanges}${loneSurrogate}]+$`;

/** JSON Schema pattern of a display text that may be blank: only allowed characters. */
export const displayCharactersPattern = `^[^${forbiddenRanges}${loneSurrogate}]*$`;

const forbiddenCharacter = new RegExp(`[${forbiddenRanges}${loneSurrogate}]`, 'u');
// eslint-disable-next-line no-misleading-character-class -- the joiners stand alone on purpose
const visibleCharacter = new RegExp(`[^${invisible}]`, 'u');

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

/** Tells whether `text` has a character that shows, not only white space or invisible ones. */
export function hasVisibleCharacter(text: string): boolean {
  return visibleCharacter.test(text);
}
