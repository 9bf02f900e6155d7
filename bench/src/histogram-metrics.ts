/** Cumulative bucket counts of one Prometheus histogram series, by upper bound in seconds. */
export type Buckets = ReadonlyMap<number, number>;

/**
 * Reads the cumulative buckets of histogram `name` from a Prometheus text exposition, summed over
 * every series whose labels contain `labelFilter` (such as `method="EnsureUser"`).
 */
export function parseBuckets(exposition: string, name: string, labelFilter: string): Buckets {
  const buckets = new Map<number, number>();
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labelFilter)) continue;
    const bound = /le="([^"]+)"/.exec(line)?.[1];
    const count = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (bound === undefined || Number.isNaN(count)) continue;
    const upper = bound === '+Inf' ? Infinity : Number(bound);
    buckets.set(upper, (buckets.get(upper) ?? 0) + count);
  }
  return buckets;
}

/** Returns the buckets of the observations made between `before` and `after`. */
export function subtractBuckets(after: Buckets, before: Buckets): Buckets {
  const difference = new Map<number, number>();
  for (const [bound, count] of after) difference.set(bound, count - (before.get(bound) ?? 0));
  return difference;
}

/**
 * Estimates quantile `q` in milliseconds by linear interpolation inside the bucket that contains
 * it, as PromQL's histogram_quantile does. The estimate is only as fine as the buckets. Returns
 * NaN without observations and the largest finite bound when the quantile lies in +Inf.
 */
export function bucketQuantileMs(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Infinity) return lowerBound * 1000;
      const fraction = count === lowerCount ? 0 : (rank - lowerCount) / (count - lowerCount);
      return (lowerBound + (bound - lowerBound) * fraction) * 1000;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return NaN;
}

/**
 * Reads the value of gauge `name`, a series without labels, from a Prometheus text exposition.
 * Returns NaN when the exposition does not contain it.
 */
export function parseGauge(exposition: string, name: string): number {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}
