import { trace } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';

/**
 * Names the active HTTP server span after the route that matched, such as
 * `GET /api/admin/users/:id/data`, and sets `http.route`. The http
 * instrumentation records only the raw path, which would make one span name per
 * user id. Does nothing outside a trace.
 */
export function setActiveRoute(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}
