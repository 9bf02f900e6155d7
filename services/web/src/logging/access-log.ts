import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Writes one access log line per request, once its response is sent: `request completed`, or
 * `request errored` with the error, each with the request, the response and the response time.
 * Fastify's own controller also writes `incoming request` when a request arrives, a second line
 * that repeats the request's fields. A request that never completes still gets its line, because
 * the request timeout answers it.
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {
    // The completed line carries the request's fields.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
