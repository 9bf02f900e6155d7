import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { liveHeapMetric, registerLiveHeapGauge } from './live-heap.js';

/** Runs a full garbage collection through V8's test hook, which the flag exposes. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}

async function gaugeValue(registry: Registry): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(liveHeapMetric)?.get();
  return metric?.values[0]?.value;
}

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('registerLiveHeapGauge', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('reads 0 before a full collection', async () => {
    const registry = new Registry();
    stop = registerLiveHeapGauge(registry);

    expect(await gaugeValue(registry)).toBe(0);
  });

  it('reports the used heap after a full collection', async () => {
    const registry = new Registry();
    stop = registerLiveHeapGauge(registry);
    collectGarbage();
    await eventually(async () => ((await gaugeValue(registry)) ?? 0) > 0);
    const value = await gaugeValue(registry);

    expect(value).toBeGreaterThan(1024 * 1024);
    expect(value).toBeLessThanOrEqual(v8.getHeapStatistics().total_heap_size);
  });

  it('stops updating once stopped', async () => {
    const registry = new Registry();
    registerLiveHeapGauge(registry)();
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(await gaugeValue(registry)).toBe(0);
  });
});
