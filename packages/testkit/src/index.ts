export * from './gatekeeper-client.js';
export * from './http.js';
export * from './postgres-server.js';
export * from './stack.js';
export * from './tokens.js';
