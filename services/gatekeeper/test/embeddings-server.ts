import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { LocalEmbedder } from '@palisade/gatekeeper';

/** One request the server received, with its parsed JSON body. */
export interface RecordedEmbeddingsRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: {
    model?: string;
    input?: string[];
    dimensions?: number;
    encoding_format?: string;
  };
}

/** What the server does with the next request instead of its normal response. */
export type NextResponse =
  { readonly status: number; readonly body: string } | { readonly delayMs: number };

/**
 * A small OpenAI-compatible embeddings endpoint on 127.0.0.1, port 0. It
 * responds to `POST /v1/embeddings` with vectors of the local embedder at
 * `dimensions`, in reverse order with their `index`, so a client that ignores
 * `index` gets them wrong. With `key` set, other bearer tokens get 401.
 */
export interface EmbeddingsServer {
  readonly url: string;
  readonly requests: RecordedEmbeddingsRequest[];
  key: string | undefined;
  next: NextResponse | undefined;
  close(): Promise<void>;
}

export async function startEmbeddingsServer(dimensions = 384): Promise<EmbeddingsServer> {
  const embedder = new LocalEmbedder(dimensions);
  const state: EmbeddingsServer = {
    url: '',
    requests: [],
    key: undefined,
    next: undefined,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(
      Buffer.concat(chunks).toString('utf8') || '{}',
    ) as RecordedEmbeddingsRequest['body'];
    state.requests.push({
      path: request.url ?? '',
      authorization: request.headers.authorization,
      body,
    });

    const next = state.next;
    state.next = undefined;
    if (next !== undefined && 'delayMs' in next) {
      await new Promise((resolve) => setTimeout(resolve, next.delayMs));
    } else if (next !== undefined) {
      response.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
      return;
    }

    if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
      response.writeHead(404).end();
      return;
    }
    if (state.key !== undefined && request.headers.authorization !== `Bearer ${state.key}`) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'invalid api key' } }));
      return;
    }

    const vectors = await embedder.embed(body.input ?? []);
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding }));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ object: 'list', model: body.model, data: data.reverse() }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/v1/embeddings` });
}
