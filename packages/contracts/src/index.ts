/**
 * gRPC contracts of the gatekeeper, generated from `proto/` by `buf generate`
 * at build time. The files under `gen/` are never edited by hand.
 */
export * from './gen/palisade/gatekeeper/v1/user.js';
export * from './gen/palisade/gatekeeper/v1/admin.js';
export * from './gen/palisade/gatekeeper/v1/entries.js';
export * from './gen/palisade/gatekeeper/v1/experiments.js';
export * from './profile-limits.js';
export * from './display-text.js';
export * from './entry-limits.js';
export * from './call-timing.js';
