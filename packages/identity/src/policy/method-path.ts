/**
 * gRPC method paths as sent in the HTTP/2 `:path` header: `/<package>.<Service>/<Method>`.
 * A policy may also name a whole service as `/<package>.<Service>/*`.
 */

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
const METHOD_PATH_PATTERN = new RegExp(`^/(${IDENTIFIER}(?:\\.${IDENTIFIER})+)/(${IDENTIFIER})$`);
const SERVICE_WILDCARD_PATTERN = new RegExp(`^/(${IDENTIFIER}(?:\\.${IDENTIFIER})+)/\\*$`);

/** Returns whether `value` is a concrete method path such as `/grpc.health.v1.Health/Check`. */
export function isMethodPath(value: string): boolean {
  return METHOD_PATH_PATTERN.test(value);
}

/** Returns whether `value` names every method of one service, such as `/grpc.health.v1.Health/*`. */
export function isServiceWildcard(value: string): boolean {
  return SERVICE_WILDCARD_PATTERN.test(value);
}

/** Returns the service wildcard covering a concrete method path, or undefined for other input. */
export function serviceWildcardOf(methodPath: string): string | undefined {
  const match = METHOD_PATH_PATTERN.exec(methodPath);
  return match === null ? undefined : `/${match[1]}/*`;
}
