import { embeddingColumnDimensions, type Embedder } from './embedder.js';

/** Weight of each kind of feature, before the sublinear term-frequency factor. */
const featureWeights = { word: 1, wordPair: 0.5, trigram: 0.25 } as const;

// Frequent English function words carry no topic. Without corpus statistics
// (no IDF) they would dominate every vector, so they are dropped.
const stopWords = new Set(
  (
    'a about above after again all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from ' +
    'further had has have having he her here hers him his how i if in into is it its itself ' +
    'just me more most my no nor not now of off on once only or other our ours out over own ' +
    'same she should so some such than that the their theirs them then there these they this ' +
    'those through to too under until up very was we were what when where which while who ' +
    'whom why will with would you your yours'
  ).split(' '),
);

/**
 * A lexical embedder that runs in the process, with no model and no network.
 * Each text becomes a bag of hashed features (words, adjacent word pairs and
 * character trigrams of each word), weighted by 1 + ln(count) and scaled to
 * unit length. Texts that share words or word fragments come out close, so
 * "titration" finds "titrations". It has no notion of meaning, so "heat" and
 * "temperature" are unrelated to it. It is a fallback that needs nothing
 * installed, not a language model: configure the HTTP embedder for semantic
 * similarity.
 */
export class LocalEmbedder implements Embedder {
  readonly id: string;

  constructor(readonly dimensions: number = embeddingColumnDimensions) {
    this.id = `local:hashed-ngrams-v1:${dimensions}`;
  }

  embed(texts: readonly string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((text) => embedText(text, this.dimensions)));
  }
}

/** Computes the unit-length feature vector of one text; all zeros when it has no features. */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  for (const [key, { weight, count }] of countFeatures(wordsOf(text))) {
    const hash = fnv1a(key);
    // The sign bit is independent of the bucket bits, so colliding features
    // cancel out on average instead of piling up.
    const sign = hash >>> 31 === 1 ? -1 : 1;
    const bucket = hash % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + sign * weight * (1 + Math.log(count));
  }

  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares);
  return Array.from(vector, (value) => (norm === 0 ? 0 : value / norm));
}

/** Splits text into lower-case words of letters and digits, without stop words. */
export function wordsOf(text: string): string[] {
  const tokens =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return tokens.filter((token) => token.length > 1 && !stopWords.has(token));
}

/** Counts each feature of a word sequence, keyed by kind and text. */
function countFeatures(words: readonly string[]): Map<string, { weight: number; count: number }> {
  const features = new Map<string, { weight: number; count: number }>();
  const add = (key: string, weight: number) => {
    const seen = features.get(key);
    if (seen === undefined) features.set(key, { weight, count: 1 });
    else seen.count += 1;
  };

  words.forEach((word, index) => {
    add(`w:${word}`, featureWeights.word);
    const next = words[index + 1];
    if (next !== undefined) add(`p:${word} ${next}`, featureWeights.wordPair);

    const padded = `^${word}$`;
    for (let start = 0; start + 3 <= padded.length; start += 1) {
      add(`t:${padded.slice(start, start + 3)}`, featureWeights.trigram);
    }
  });
  return features;
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
