export { gatekeeperConfigSchema, loadGatekeeperConfig, type GatekeeperConfig } from './config.js';
export { createGatekeeperServer, listen, mutualTlsCredentials } from './server.js';
export {
  embeddingColumnDimensions,
  EmbeddingError,
  toVectorLiteral,
  type Embedder,
} from './embeddings/embedder.js';
export {
  createEmbedder,
  embedderSettings,
  type EmbedderSettings,
} from './embeddings/embedder-config.js';
export { HttpEmbedder, type HttpEmbedderOptions } from './embeddings/http-embedder.js';
export { LocalEmbedder } from './embeddings/local-embedder.js';
export { EntryFunctions, type SearchCapabilitiesSource } from './entries/entry-functions.js';
export {
  EmbeddingsUnavailableError,
  reembedEntries,
  type ReembedOptions,
  type ReembedResult,
} from './entries/reembed.js';
export {
  detectSearchCapabilities,
  SearchCapabilitiesProbe,
  type SearchCapabilities,
} from './entries/search-capabilities.js';
export { createPool, withTransaction } from './db/pool.js';
export { newCallScope, runInCallScope, type CallScope } from './grpc/call-scope.js';
export type { CallContext, Caller } from './caller.js';
