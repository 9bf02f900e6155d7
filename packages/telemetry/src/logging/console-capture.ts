import { format } from 'node:util';

import type { Logger } from 'pino';

const consoleLevels = {
  log: 'info',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
  warn: 'warn',
  error: 'error',
} as const;

/**
 * Sends what libraries print with `console.*` through `logger` as
 * `console output` lines with the printed text in `text`, so that stdout
 * carries only the service's JSON lines. oidc-provider, for one, warns this
 * way while it is imported.
 */
export function routeConsoleToLogger(logger: Logger): void {
  for (const [method, level] of Object.entries(consoleLevels)) {
    const write = (...args: unknown[]) => {
      logger[level]({ console: method, text: format(...args) }, 'console output');
    };
    Object.defineProperty(console, method, { value: write, configurable: true, writable: true });
  }
}
