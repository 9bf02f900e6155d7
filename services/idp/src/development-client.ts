/**
 * Web client secret used in development mode when IDP_WEB_CLIENT_SECRET_FILE
 * is not set. It is public, so production mode never falls back to it. This
 * module imports nothing, so the CLI can read it without loading the provider.
 */
export const DEVELOPMENT_WEB_CLIENT_SECRET = 'palisade-web-development-secret';
