import { describe, expect, it } from 'vitest';

import { anyWordQuery, matchEnd, matchStart, snippetHtml } from './search-text.js';

describe('anyWordQuery', () => {
  it('joins the words with or', () => {
    expect(anyWordQuery('titration buffer')).toBe('titration or buffer');
  });

  it('drops punctuation, quotes and negation', () => {
    expect(anyWordQuery('"phospho-ERK" -blot (pH 7.4)')).toBe(
      'phospho or ERK or blot or pH or 7 or 4',
    );
  });

  it('drops the word or, which would be an operator', () => {
    expect(anyWordQuery('salt OR sugar or')).toBe('salt or sugar');
  });

  it('keeps each word once', () => {
    expect(anyWordQuery('gel gel gel')).toBe('gel');
  });

  it('returns an empty query for text without words', () => {
    expect(anyWordQuery('?! --')).toBe('');
  });

  it('keeps at most 64 words', () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    expect(anyWordQuery(words.join(' ')).split(' or ')).toHaveLength(64);
  });
});

describe('snippetHtml', () => {
  it('turns markers into mark elements', () => {
    expect(snippetHtml(`a ${matchStart}gel${matchEnd} run`)).toBe('a <mark>gel</mark> run');
  });

  it('escapes the text of the entry', () => {
    expect(snippetHtml(`<script>"x" & 'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;',
    );
  });

  it('keeps elements balanced when the body forges markers', () => {
    expect(snippetHtml(`${matchEnd}a ${matchStart}${matchStart}b`)).toBe('a <mark>b</mark>');
  });
});
