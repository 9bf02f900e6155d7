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

/** The socket of a request that failed, with the response Node may have started on it. */
type ClientSocket = Socket & { readonly _httpMessage?: { readonly headersSent?: boolean } | null };

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
 * rejected, or that did not arrive in full within the request timeout. No hook, route or error
 * handler sees such a request, so this handler writes the response itself: problem details with
 * `headers`, the security headers of every other response, and a new request id, which its log
 * line names too. Then it closes the connection.
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

    const { kind, detail } = problemOf(error.code);
    const requestId = randomUUID();
    this.log.info(
      {
        request_id: requestId,
        status: kind.status,
        problem: kind.slug,
        code: error.code,
        remoteAddress: socket.remoteAddress,
      },
      'request rejected before routing',
    );
    // A response that has begun cannot take a second status line.
    if (socket.writable && socket._httpMessage?.headersSent !== true) {
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
    }
    socket.destroy(error);
  };
}
