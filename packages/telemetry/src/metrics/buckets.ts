/**
 * Histogram buckets, in seconds, for calls inside the cluster. Dense from 1 ms
 * to 25 ms, because the web-to-gatekeeper hop has a budget of 20 ms and a
 * quantile is only as precise as the buckets around it.
 */
export const internalCallBuckets = [
  0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.05, 0.1,
  0.25, 0.5, 1, 2.5,
];

/** Histogram buckets, in seconds, for whole HTTP requests as a client sees them. */
export const requestBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
