/** Start and end of a match in the raw snippet: private-use characters that no markup uses. */
export const matchStart = '\uE000';
export const matchEnd = '\uE001';

/** Options of ts_headline for snippets, with the match markers above. */
export const headlineOptions =
  `StartSel=${matchStart}, StopSel=${matchEnd}, MaxWords=30, MinWords=12, ` +
  'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "';

const maxQueryWords = 64;

/**
 * Rewrites free text as a websearch_to_tsquery input that matches any of its
 * words: `titration buffer` becomes `titration or buffer`. Ranking then
 * prefers entries matching more of them. Punctuation, quotes and `-` are
 * dropped, so the user's text cannot form operators.
 */
export function anyWordQuery(text: string): string {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words.filter((word) => word.toLowerCase() !== 'or'))];
  return unique.slice(0, maxQueryWords).join(' or ');
}

const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Turns a ts_headline result into safe HTML: every character of the entry is
 * escaped, and only the match markers become `<mark>` elements. Markers that
 * the body itself contains cannot unbalance the elements, because a start
 * inside a match and an end outside one are dropped.
 */
export function snippetHtml(headline: string): string {
  let html = '';
  let open = false;
  for (const character of headline) {
    if (character === matchStart) {
      if (!open) html += '<mark>';
      open = true;
    } else if (character === matchEnd) {
      if (open) html += '</mark>';
      open = false;
    } else {
      html += htmlEscapes[character] ?? character;
    }
  }
  return open ? `${html}</mark>` : html;
}
