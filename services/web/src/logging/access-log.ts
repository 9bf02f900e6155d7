import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Writes one access log line per request: `request completed` or `request errored` when the
 * response is sent, `request aborted` when the connection closes first. Fastify's own controller
 * also writes an `incoming request` line that repeats the request's fields.
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
