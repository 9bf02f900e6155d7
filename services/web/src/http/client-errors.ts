import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import type { FastifyInstance } from 'fastify';

import {
  buildProblem,
  PROBLEM_MEDIA_TYPE,
  problemKinds,
  type ProblemKind,
} from '../problem/problem.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** The response of a request that Fastify routed, which Node keeps on its socket until it ends. */
interface RoutedResponse {
  readonly headersSent: boolean;
  /** The request it belongs to, whose `complete` is false while its body is still arriving. */
  readonly req?: { readonly complete: boolean };
  getHeader(name: string): number | string | string[] | undefined;
}

/** The socket of a request that failed. */
type ClientSocket = Socket & { readonly _httpMessage?: RoutedResponse | null };

function problemOf(code: string | undefined): { kind: ProblemKind; detail: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        kind: problemKinds.requestTimeout,
        detail: 'The request was not complete within the time limit; send it again',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        kind: problemKinds.headersTooLarge,
        detail: 'The request headers exceed the size limit; send fewer or shorter headers',
      };
    default:
      return { kind: problemKinds.badRequest, detail: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * Creates Fastify's `clientErrorHandler`, which responds to a request that Node's HTTP parser
 * rejected, or that did not arrive in full within the request timeout. No hook or error handler
 * gets the failure, so this handler writes the response itself: problem details with `headers`,
 * the security headers of every other response, and the request's id. A request that was routed
 * before its body stalled keeps the id its response carries, and any other gets a new one. Then
 * the handler closes the connection.
 */
export function createClientErrorHandler(headers: Readonly<Record<string, string>>) {
  const fixedHeaders = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return function handleClientError(
    this: FastifyInstance,
    error: NodeJS.ErrnoException,
    socket: ClientSocket,
  ): void {
    // The client is gone, so no response can reach it.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;

    const current = socket._httpMessage ?? undefined;
    // With pipelining, the response on the socket can belong to an earlier, complete request.
    // Only a request whose body is still arriving can be the one that failed.
    const routed = current?.req?.complete === false ? current : undefined;
    const routedId = routed?.getHeader(REQUEST_ID_HEADER);
    const requestId = typeof routedId === 'string' ? routedId : randomUUID();
    // A response that has begun cannot take a second status line.
    const canRespond = socket.writable && current?.headersSent !== true;
    if (!canRespond) {
      this.log.debug(
        { request_id: requestId, code: error.code, remoteAddress: socket.remoteAddress },
        'connection failed before the response',
      );
      socket.destroy(error);
      return;
    }

    const { kind, detail } = problemOf(error.code);
    this.log.info(
      {
        request_id: requestId,
        status: kind.status,
        problem: kind.slug,
        code: error.code,
        remoteAddress: socket.remoteAddress,
      },
      routed === undefined ? 'request rejected before routing' : 'request rejected after routing',
    );
    const body = JSON.stringify(buildProblem(kind, detail, { requestId }));
    socket.write(
      `HTTP/1.1 ${kind.status} ${STATUS_CODES[kind.status] ?? kind.title}\r\n` +
        `content-type: ${PROBLEM_MEDIA_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
        fixedHeaders +
        'connection: close\r\n\r\n' +
        body,
    );
    socket.destroy(error);
  };
}
