import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Writes one access log line per request: `request completed`, or `request errored` with the
 * error, once the response is sent, and `request aborted` when the connection closes before
 * that, such as when the client goes away while the gatekeeper works. Each line carries the
 * request and the response time, and each line of a sent response the response too. Fastify's own controller also writes
 * `incoming request` when a request arrives, a second line that repeats the request's fields.
 */
export class AccessLogController extends LogController {
  readonly #completed = new WeakSet<FastifyReply>();

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished || this.#completed.has(reply)) return;
      // No status was sent, so the line carries none; `res` would report Fastify's default 200.
      reply.log.info({ req: request, responseTime: reply.elapsedTime }, 'request aborted');
    });
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    this.#completed.add(reply);
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
