import { describe, expect, it } from 'vitest';

import {
  displayCharactersPattern,
  displayTextPattern,
  forbiddenDisplayCharacter,
  hasVisibleCharacter,
} from './display-text.js';

// JSON Schema validators compile patterns in Unicode mode.
const displayText = new RegExp(displayTextPattern, 'u');
const displayCharacters = new RegExp(displayCharactersPattern, 'u');

describe('display text', () => {
  it.each([
    ['plain words', 'Cell imaging'],
    ['accents and emoji', 'Zellbildgebung über 🔬'],
    ['a combining mark', 'e\u0301'],
    ['an emoji sequence with a joiner', 'Team 👩\u200d🔬'],
    ['a script that needs a non-joiner', 'می\u200cخواهم'],
    ['inner spaces', 'two  spaces'],
  ])('accepts %s', (_name, text) => {
    expect(displayText.test(text)).toBe(true);
    expect(forbiddenDisplayCharacter(text)).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b', 'U+0000'],
    ['a C0 control', 'a\u0001b', 'U+0001'],
    ['an escape sequence', '\u001b[31mred', 'U+001B'],
    ['a tab', 'a\tb', 'U+0009'],
    ['DEL', 'a\u007fb', 'U+007F'],
    ['a C1 control', 'a\u0085b', 'U+0085'],
    ['a line separator', 'a\u2028b', 'U+2028'],
    ['a right-to-left override', '\u202egnp.exe', 'U+202E'],
    ['a bidirectional isolate', 'a\u2066b', 'U+2066'],
    ['a lone surrogate', 'a\ud800b', 'U+D800'],
    ['a right-to-left mark', 'a\u200fb', 'U+200F'],
    ['an Arabic letter mark', 'a\u061cb', 'U+061C'],
    ['a zero-width space', 'a\u200bb', 'U+200B'],
    ['a word joiner', 'a\u2060b', 'U+2060'],
    ['a byte order mark', '\ufeffa', 'U+FEFF'],
    ['a tag character', 'a\u{e0041}', 'U+E0041'],
  ])('rejects %s', (_name, text, code) => {
    expect(displayText.test(text)).toBe(false);
    expect(displayCharacters.test(text)).toBe(false);
    expect(forbiddenDisplayCharacter(text)).toBe(code);
  });

  it('needs one visible character in a title', () => {
    expect(displayText.test('   ')).toBe(false);
    expect(displayText.test('')).toBe(false);
    expect(displayText.test('\u200d\u00ad\u3164')).toBe(false);
    expect(hasVisibleCharacter('\u200d\u00ad\u3164 ')).toBe(false);
    expect(hasVisibleCharacter(' a ')).toBe(true);
    expect(displayCharacters.test('   ')).toBe(true);
  });
});
