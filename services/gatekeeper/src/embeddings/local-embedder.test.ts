import { describe, expect, it } from 'vitest';

import { embedText, LocalEmbedder, wordsOf } from './local-embedder.js';

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
}

describe('LocalEmbedder', () => {
  const embedder = new LocalEmbedder();

  it('returns unit vectors of the column length', async () => {
    const [vector] = await embedder.embed(['Lysozyme crystals grew overnight']);
    expect(vector).toHaveLength(1024);
    expect(cosine(vector!, vector!)).toBeCloseTo(1, 10);
  });

  it('is deterministic', async () => {
    const [first] = await embedder.embed(['phosphate buffer']);
    const [second] = await embedder.embed(['phosphate buffer']);
    expect(first).toEqual(second);
  });

  it('puts texts with shared words closer than unrelated ones', () => {
    const query = embedText('caffeine calibration curve', 1024);
    const related = embedText('HPLC calibration curve of caffeine standards', 1024);
    const unrelated = embedText('Western blot of phosphorylated ERK on a membrane', 1024);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.3);
  });

  it('relates spelling variants through character trigrams', () => {
    const variant = embedText('lysosyme cristallisation', 1024);
    const target = embedText('lysozyme crystallisation', 1024);
    const other = embedText('agarose gel electrophoresis', 1024);
    expect(cosine(variant, target)).toBeGreaterThan(0.2);
    expect(Math.abs(cosine(variant, other))).toBeLessThan(0.1);
  });

  it('returns a zero vector for text without features', () => {
    expect(embedText('the and of ?!', 64).every((value) => value === 0)).toBe(true);
  });

  it('names the vector space with its dimensions', () => {
    expect(new LocalEmbedder(256).id).toBe('local:hashed-ngrams-v1:256');
  });
});

describe('wordsOf', () => {
  it('lower-cases, splits on punctuation and drops stop words', () => {
    expect(wordsOf('The pH of PBS, at 25 °C!')).toEqual(['ph', 'pbs', '25']);
  });

  it('keeps letters of any script', () => {
    expect(wordsOf('Lösung über Nacht')).toEqual(['lösung', 'über', 'nacht']);
  });
});
