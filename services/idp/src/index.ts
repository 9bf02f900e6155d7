export { developmentAccounts, type DevelopmentAccount } from './accounts.js';
export { idpConfigSchema, loadIdpConfig, type IdpConfig } from './config.js';
export { DEVELOPMENT_TOKEN_PATH } from './development-token.js';
export { IdpError, type IdpErrorCode } from './errors.js';
export { API_SCOPE } from './provider.js';
export { DEVELOPMENT_WEB_CLIENT_SECRET } from './secrets.js';
