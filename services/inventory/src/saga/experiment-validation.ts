import { forbiddenDisplayCharacter, hasVisibleCharacter } from '@palisade/contracts';

import { InvalidExperimentError } from './experiment-errors.js';
import type { ItemQuantity } from './saga-messages.js';

export const MAX_TITLE_LENGTH = 200;
export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 10_000;
const ITEM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A validated create-experiment request. */
export interface NewExperiment {
  readonly title: string;
  readonly items: readonly ItemQuantity[];
}

/** Checks a create-experiment request; throws {@link InvalidExperimentError} naming the field. */
export function validateNewExperiment(input: NewExperiment): NewExperiment {
  const title = input.title.trim();
  // Counted in code points, as the web tier's schema and PostgreSQL's char_length count.
  const length = [...title].length;
  if (length === 0 || length > MAX_TITLE_LENGTH) {
    throw new InvalidExperimentError(
      'title',
      `title must have 1 to ${MAX_TITLE_LENGTH} characters after trimming (it has ${length})`,
    );
  }
  if (!hasVisibleCharacter(title)) {
    throw new InvalidExperimentError('title', 'title has no visible character: give it a name');
  }
  const forbidden = forbiddenDisplayCharacter(title);
  if (forbidden !== undefined) {
    throw new InvalidExperimentError(
      'title',
      `title contains ${forbidden}, a control or formatting character: remove it`,
    );
  }
  if (input.items.length === 0 || input.items.length > MAX_ITEMS) {
    throw new InvalidExperimentError('items', `items must list 1 to ${MAX_ITEMS} entries`);
  }
  const seen = new Set<string>();
  for (const [index, item] of input.items.entries()) {
    if (!ITEM_ID.test(item.itemId)) {
      throw new InvalidExperimentError(
        `items[${index}].itemId`,
        'itemId must be 1 to 64 lowercase letters, digits or hyphens, starting with a letter or digit',
      );
    }
    if (seen.has(item.itemId)) {
      throw new InvalidExperimentError(
        `items[${index}].itemId`,
        `item ${item.itemId} is listed twice; give its total quantity once`,
      );
    }
    seen.add(item.itemId);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw new InvalidExperimentError(
        `items[${index}].quantity`,
        `quantity must be a whole number from 1 to ${MAX_QUANTITY}`,
      );
    }
  }
  return { title, items: input.items.map(({ itemId, quantity }) => ({ itemId, quantity })) };
}
