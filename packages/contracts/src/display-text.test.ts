import { describe, expect, it } from 'vitest';

import {
  displayCharactersPattern,
  displayTextPattern,
  forbiddenDisplayCharacter,
} from './display-text.js';

// JSON Schema validators compile patterns in Unicode mode.
const displayText = new RegExp(displayTextPattern, 'u');
const displayCharacters = new RegExp(displayCharactersPattern, 'u');

describe('display text', () => {
  it.each([
    ['plain words', 'Cell imaging'],
    ['accents and emoji', 'Zellbildgebung über 🔬'],
    ['a combining mark', 'e\u0301'],
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
  ])('rejects %s', (_name, text, code) => {
    expect(displayText.test(text)).toBe(false);
    expect(displayCharacters.test(text)).toBe(false);
    expect(forbiddenDisplayCharacter(text)).toBe(code);
  });

  it('needs one visible character in a title', () => {
    expect(displayText.test('   ')).toBe(false);
    expect(displayText.test('')).toBe(false);
    expect(displayCharacters.test('   ')).toBe(true);
  });
});
