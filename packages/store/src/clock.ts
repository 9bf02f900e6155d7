/** Current time in milliseconds since the epoch. Tests pass a fake one to control windows. */
export type Clock = () => number;

/** The system clock. */
export const systemClock: Clock = () => Date.now();
