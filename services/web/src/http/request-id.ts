/** The request id rule that every tier shares, so the edge's id reaches the gatekeeper's logs. */
export { REQUEST_ID_HEADER, requestIdOf } from '@palisade/telemetry';
