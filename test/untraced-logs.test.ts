import { request, startStack, tokenFor, type RunningStack } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Without an exporter the services record no spans, but request log lines must still carry
// trace ids, and the web tier must still pass W3C trace context to the gatekeeper.

interface LogLine {
  service?: unknown;
  request_id?: unknown;
  trace_id?: unknown;
  span_id?: unknown;
  msg?: unknown;
}

let stack: RunningStack;
let alice: string;

beforeAll(async () => {
  stack = await startStack({ database: 'embedded', env: { LOG_LEVEL: 'info' } });
  alice = await tokenFor(stack, 'alice');
});

afterAll(async () => {
  await stack?.stop();
});

/** Returns the JSON log lines of `requestId`, waiting until the web tier's last one is there. */
async function linesOf(requestId: string): Promise<{ prefix: string; parsed: LogLine }[]> {
  const completed = (line: string) =>
    line.includes(`"request_id":"${requestId}"`) && line.includes('request completed');
  for (let attempt = 0; attempt < 50 && !stack.output.some(completed); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return stack.output.flatMap((text) => {
    const match = /^(web|gatekeeper)\s+\| (\{.*)$/.exec(text);
    if (match?.[1] === undefined || match[2] === undefined) return [];
    const parsed = JSON.parse(match[2]) as LogLine & { audit_event?: { request_id?: unknown } };
    const id = parsed.request_id ?? parsed.audit_event?.request_id;
    return id === requestId ? [{ prefix: match[1], parsed }] : [];
  });
}

describe('logs without a trace exporter', () => {
  it('share one trace id across web and gatekeeper', async () => {
    const response = await request(`${stack.webUrl}/api/me`, {
      token: alice,
      headers: { 'x-request-id': 'untraced-1' },
    });
    const lines = await linesOf('untraced-1');
    const traceIds = new Set(lines.map(({ parsed }) => parsed.trace_id));

    expect(response.status).toBe(200);
    expect(lines.filter(({ prefix }) => prefix === 'web').length).toBeGreaterThanOrEqual(1);
    expect(lines.filter(({ prefix }) => prefix === 'gatekeeper').length).toBeGreaterThanOrEqual(1);
    expect(traceIds.size).toBe(1);
    expect([...traceIds][0]).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.every(({ parsed }) => typeof parsed.span_id === 'string')).toBe(true);
  });

  it('continue an incoming traceparent into the gatekeeper', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await request(`${stack.webUrl}/api/me`, {
      token: alice,
      headers: {
        'x-request-id': 'untraced-2',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    const lines = await linesOf('untraced-2');
    const gatekeeperLines = lines.filter(({ prefix }) => prefix === 'gatekeeper');

    expect(response.status).toBe(200);
    expect(gatekeeperLines.length).toBeGreaterThan(0);
    expect(gatekeeperLines.every(({ parsed }) => parsed.trace_id === traceId)).toBe(true);
    expect(lines.filter(({ parsed }) => parsed.trace_id !== traceId)).toEqual([]);
  });
});
