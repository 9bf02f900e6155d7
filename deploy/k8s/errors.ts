/** Stable codes of the errors raised while building the manifests. */
export type ManifestErrorCode =
  | 'IMAGE_TAG_MUTABLE'
  | 'ENVIRONMENT_UNKNOWN'
  | 'ENVIRONMENT_INVALID'
  | 'MESH_PRINCIPAL_INVALID'
  | 'MANIFEST_KIND_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'SERVICE_DEFINITION_INVALID';

/** A manifest could not be built because an input breaks one of the deployment rules. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';

  constructor(
    readonly code: ManifestErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
