import { describe, expect, it } from 'vitest';

import { EmbeddingError, toVectorLiteral } from './embedder.js';

describe('toVectorLiteral', () => {
  it('pads a shorter vector with zeros', () => {
    expect(toVectorLiteral([0.5, -0.25], 4)).toBe('[0.5,-0.25,0,0]');
  });

  it('returns undefined for a zero vector', () => {
    expect(toVectorLiteral([0, 0], 4)).toBeUndefined();
  });

  it('rejects a vector longer than the column', () => {
    expect(() => toVectorLiteral([1, 2, 3], 2)).toThrow(EmbeddingError);
    expect(() => toVectorLiteral([1, 2, 3], 2)).toThrow(/3 dimensions; the embedding column has 2/);
  });

  it('rejects values that are not finite', () => {
    expect(() => toVectorLiteral([1, Number.NaN], 2)).toThrow(/not a finite number/);
    expect(() => toVectorLiteral([Infinity], 2)).toThrow(/not a finite number/);
  });
});
