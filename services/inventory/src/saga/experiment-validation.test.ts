import { describe, expect, it } from 'vitest';

import { InvalidExperimentError } from './experiment-errors.js';
import { validateNewExperiment } from './experiment-validation.js';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidExperimentError) return error.field;
    throw error;
  }
  return undefined;
}

const item = { itemId: 'microscope', quantity: 1 };

describe('validateNewExperiment', () => {
  it('trims the title and keeps the items', () => {
    const valid = validateNewExperiment({ title: '  Assay  ', items: [item] });

    expect(valid.title).toBe('Assay');
    expect(valid.items).toEqual([item]);
  });

  it('rejects a blank title', () => {
    expect(fieldOf(() => validateNewExperiment({ title: '   ', items: [item] }))).toBe('title');
  });

  it('rejects a title longer than 200 characters', () => {
    expect(fieldOf(() => validateNewExperiment({ title: 'x'.repeat(201), items: [item] }))).toBe(
      'title',
    );
  });

  it('counts title length in code points', () => {
    const emoji = '🔬'.repeat(200);

    expect(validateNewExperiment({ title: emoji, items: [item] }).title).toBe(emoji);
    expect(fieldOf(() => validateNewExperiment({ title: `${emoji}🔬`, items: [item] }))).toBe(
      'title',
    );
  });

  it.each([
    ['a control character', 'a\u0001b'],
    ['an escape sequence', '\u001b[31mred'],
    ['a right-to-left override', '\u202egnp.exe'],
  ])('rejects a title with %s', (_name, title) => {
    expect(fieldOf(() => validateNewExperiment({ title, items: [item] }))).toBe('title');
  });

  it('rejects an empty item list', () => {
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items: [] }))).toBe('items');
  });

  it('rejects more than 50 items', () => {
    const items = Array.from({ length: 51 }, (_, index) => ({ itemId: `i${index}`, quantity: 1 }));
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items }))).toBe('items');
  });

  it('rejects an item id with characters outside the allowed set', () => {
    const items = [{ itemId: 'Bad Id', quantity: 1 }];
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items }))).toBe('items[0].itemId');
  });

  it('rejects an item listed twice', () => {
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items: [item, item] }))).toBe(
      'items[1].itemId',
    );
  });

  it('rejects a zero quantity', () => {
    const items = [{ itemId: 'microscope', quantity: 0 }];
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items }))).toBe('items[0].quantity');
  });

  it('rejects a fractional quantity', () => {
    const items = [{ itemId: 'microscope', quantity: 1.5 }];
    expect(fieldOf(() => validateNewExperiment({ title: 'A', items }))).toBe('items[0].quantity');
  });
});
