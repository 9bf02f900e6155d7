import { describe, expect, it } from 'vitest';

import { traceContextOf } from './trace-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceContextOf', () => {
  it('keeps a valid traceparent and tracestate', () => {
    expect(traceContextOf({ traceparent: TRACEPARENT, tracestate: 'a=1,b=2' })).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'a=1,b=2',
    });
  });

  it('drops a malformed traceparent and its tracestate', () => {
    expect(traceContextOf({ traceparent: '00-xyz', tracestate: 'a=1' })).toEqual({});
  });

  it('drops an all-zero trace id', () => {
    const zero = `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`;
    expect(traceContextOf({ traceparent: zero })).toEqual({});
  });

  it('drops version ff', () => {
    expect(traceContextOf({ traceparent: `ff${TRACEPARENT.slice(2)}` })).toEqual({});
  });

  it('drops an oversized tracestate', () => {
    expect(traceContextOf({ traceparent: TRACEPARENT, tracestate: 'a'.repeat(513) })).toEqual({
      traceparent: TRACEPARENT,
    });
  });
});
