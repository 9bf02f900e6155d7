/**
 * Log paths whose values pino replaces before writing, because they can hold
 * credentials. Services add their own paths on top.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.clientSecret',
  // ioredis attaches the failed command to its errors, and AUTH's arguments are credentials.
  'err.command.args',
  'error.command.args',
];

export const redactionCensor = '[redacted]';
