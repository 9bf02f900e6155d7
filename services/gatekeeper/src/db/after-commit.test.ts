import type { ClientBase } from 'pg';
import { describe, expect, it } from 'vitest';

import { afterCommit, discardAfterCommit, runAfterCommit } from './after-commit.js';

const client = () => ({}) as ClientBase;

describe('afterCommit', () => {
  it('runs callbacks in order once committed', () => {
    const connection = client();
    const calls: number[] = [];
    afterCommit(connection, () => calls.push(1));
    afterCommit(connection, () => calls.push(2));

    runAfterCommit(connection);
    runAfterCommit(connection);

    expect(calls).toEqual([1, 2]);
  });

  it('drops callbacks of a rolled-back transaction', () => {
    const connection = client();
    const calls: number[] = [];
    afterCommit(connection, () => calls.push(1));

    discardAfterCommit(connection);
    runAfterCommit(connection);

    expect(calls).toEqual([]);
  });

  it('keeps connections apart', () => {
    const first = client();
    const second = client();
    const calls: string[] = [];
    afterCommit(first, () => calls.push('first'));
    afterCommit(second, () => calls.push('second'));

    runAfterCommit(second);

    expect(calls).toEqual(['second']);
  });
});
