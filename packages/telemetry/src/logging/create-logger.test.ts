import { Writable } from 'node:stream';

import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { routeConsoleToLogger } from './console-capture.js';
import { createLogger, defaultLogFormat } from './create-logger.js';
import { bindTraceFields } from './trace-fields.js';

class LineCollector extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }

  get lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

const provider = new NodeTracerProvider();
beforeAll(() => provider.register());
afterAll(() => provider.shutdown());

function inSpan<T>(work: () => T): T {
  const span = provider.getTracer('test').startSpan('request');
  try {
    return context.with(trace.setSpan(context.active(), span), work);
  } finally {
    span.end();
  }
}

describe('createLogger', () => {
  it('writes service, level name, time and message', () => {
    const output = new LineCollector();
    createLogger({ service: 'gatekeeper', destination: output }).info('started');
    const [line] = output.lines;

    expect(line?.service).toBe('gatekeeper');
    expect(line?.level).toBe('info');
    expect(typeof line?.time).toBe('number');
    expect(line?.msg).toBe('started');
  });

  it('adds the ids of the active span', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    const spanContext = inSpan(() => {
      logger.info('inside');
      return trace.getActiveSpan()?.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = output.lines;

    expect(inside?.trace_id).toBe(spanContext?.traceId);
    expect(inside?.span_id).toBe(spanContext?.spanId);
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('keeps bound trace ids outside the span, once', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    const bound = inSpan(() => bindTraceFields(logger.child({ request_id: 'r1' })));
    inSpan(() => bound.info('in another span'));
    bound.info('after the span');

    expect(output.lines.map((line) => typeof line.trace_id)).toEqual(['string', 'string']);
    expect(output.text.match(/"trace_id"/g)).toHaveLength(2);
  });

  it('binds fields and trace ids together', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    const bound = inSpan(() => bindTraceFields(logger, { request_id: 'r2' }));
    bound.info('after the span');

    expect(output.lines[0]?.request_id).toBe('r2');
    expect(output.lines[0]?.trace_id).toEqual(expect.any(String));
    expect(Object.getPrototypeOf(bound)).toBe(logger);
  });

  it('binds fields outside a trace', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    bindTraceFields(logger, { request_id: 'r3' }).info('no span');

    expect(output.lines[0]?.request_id).toBe('r3');
    expect(output.lines[0]).not.toHaveProperty('trace_id');
  });

  it('returns the logger itself when there is nothing to bind', () => {
    const logger = createLogger({ service: 'web', destination: new LineCollector() });

    expect(bindTraceFields(logger)).toBe(logger);
  });

  it('redacts a credential among the bound fields', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    inSpan(() => bindTraceFields(logger, { session: { token: 'secret-2' } })).info('bound');

    expect(output.text).not.toContain('secret-2');
  });

  it.each([
    ['authorization', { authorization: 'Bearer secret-1' }],
    ['a nested token', { session: { token: 'secret-1' } }],
    ['a password', { user: { password: 'secret-1' } }],
    ['a request header', { req: { headers: { cookie: 'sid=secret-1' } } }],
    ['an extra path', { apiKey: 'secret-1' }],
  ])('redacts %s', (_name, fields) => {
    const output = new LineCollector();
    createLogger({ service: 'web', destination: output, redact: ['apiKey'] }).info(fields, 'x');

    expect(output.text).not.toContain('secret-1');
    expect(output.text).toContain('[redacted]');
  });

  it('redacts bindings of a child of a child, with and without options', () => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    const child = logger.child({ call: { id: 'c1' } });
    child.child({ session: { token: 'secret-3a' } }).info('grandchild');
    child.child({ user: { password: 'secret-3b' } }, { level: 'info' }).info('with options');

    expect(output.text).not.toContain('secret-3a');
    expect(output.text).not.toContain('secret-3b');
    expect(output.lines[1]?.call).toEqual({ id: 'c1' });
  });

  it('redacts the output of a child serializer', () => {
    const output = new LineCollector();
    const child = createLogger({ service: 'web', destination: output }).child(
      {},
      { serializers: { session: (id: string) => ({ id, token: 'secret-9a' }) } },
    );
    child.info({ session: 's1' }, 'x');

    expect(output.lines[0]?.session).toEqual({ id: 's1', token: '[redacted]' });
  });

  it('redacts an inherited property of a logged error', () => {
    const output = new LineCollector();
    class TokenError extends Error {}
    Object.defineProperty(TokenError.prototype, 'token', { value: 'secret-9b', enumerable: true });
    createLogger({ service: 'web', destination: output }).error({ err: new TokenError('x') }, 'x');

    expect(output.text).not.toContain('secret-9b');
    expect(output.lines[0]?.err).toMatchObject({ message: 'x', token: '[redacted]' });
  });

  it.each([
    ['an object in %o', ['state %o', { session: { token: 'secret-9c' } }]],
    ['an array in %j', ['state %j', [{ token: 'secret-9c' }]]],
    ['an object message', [{}, { token: 'secret-9c' }]],
    ['%j after fields', [{ id: 1 }, 'state %j', { session: { token: 'secret-9c' } }]],
    ['an object message after null', [null, { token: 'secret-9c' }]],
    ['an object message after undefined', [undefined, { token: 'secret-9c' }]],
    ['an object message with values', [{}, { session: { token: 'secret-9c' } }, 'x']],
  ])('redacts %s', (_name, args) => {
    const output = new LineCollector();
    const logger = createLogger({ service: 'web', destination: output });
    // The cases mix argument shapes that no single overload of `info` accepts.
    Reflect.apply(logger.info, logger, args);

    expect(output.text).not.toContain('secret-9c');
    expect(output.text).toContain('[redacted]');
  });

  it('redacts bindings set on an existing logger', () => {
    const output = new LineCollector();
    const child = createLogger({ service: 'web', destination: output }).child({ id: 1 });
    child.setBindings({ session: { token: 'secret-9d' } });
    child.info('x');

    expect(output.text).not.toContain('secret-9d');
    expect(output.lines[0]?.session).toEqual({ token: '[redacted]' });
  });

  it('redacts a line of a child with its own log formatter', () => {
    const output = new LineCollector();
    const child = createLogger({ service: 'web', destination: output }).child(
      {},
      { formatters: { log: (fields) => ({ ...fields, seen: true }) } },
    );
    child.info({ session: { token: 'secret-9e' } }, 'x');

    expect(output.text).not.toContain('secret-9e');
    expect(output.lines[0]?.seen).toBe(true);
  });

  it('redacts bindings of a child with its own bindings formatter', () => {
    const output = new LineCollector();
    const child = createLogger({ service: 'web', destination: output }).child(
      { session: { id: 's1' } },
      { formatters: { bindings: (fields) => ({ ...fields, session: { token: 'secret-9f' } }) } },
    );
    child.info('x');

    expect(output.text).not.toContain('secret-9f');
  });

  it('keeps the toJSON of an interpolated object it redacts', () => {
    const output = new LineCollector();
    class Session {
      readonly id = 's1';
      readonly creds = { token: 'secret-9g', apiKey: 'hidden-9g' };
      toJSON() {
        return { id: this.id };
      }
    }
    createLogger({ service: 'web', destination: output }).info('session %j', new Session());

    expect(output.lines[0]?.msg).toBe('session {"id":"s1"}');
  });

  it('redacts a property of a logged error and keeps its message', () => {
    const output = new LineCollector();
    const error = Object.assign(new Error('refresh failed'), { token: 'secret-4' });
    createLogger({ service: 'web', destination: output }).error({ err: error }, 'x');

    expect(output.text).not.toContain('secret-4');
    expect(output.lines[0]?.err).toMatchObject({ type: 'Error', message: 'refresh failed' });
    expect(error.token).toBe('secret-4');
  });

  it('redacts a getter without running it', () => {
    const output = new LineCollector();
    let reads = 0;
    const user = {
      name: 'alice',
      get password() {
        reads += 1;
        return 'secret-5';
      },
    };
    createLogger({ service: 'web', destination: output }).info({ user }, 'x');

    expect(output.lines[0]?.user).toEqual({ name: 'alice', password: '[redacted]' });
    expect(reads).toBe(0);
  });

  it('leaves the logged object unchanged', () => {
    const output = new LineCollector();
    const session = { id: 's1', accessToken: 'secret-6' };
    createLogger({ service: 'web', destination: output }).info({ session }, 'x');

    expect(output.lines[0]?.session).toEqual({ id: 's1', accessToken: '[redacted]' });
    expect(session.accessToken).toBe('secret-6');
  });

  it('redacts a deeper path that starts with a wildcard', () => {
    const output = new LineCollector();
    createLogger({ service: 'web', destination: output, redact: ['*.auth.key'] }).info(
      { client: { auth: { key: 'secret-7' } } },
      'x',
    );

    expect(output.text).not.toContain('secret-7');
  });

  it('redacts an extra wildcard path', () => {
    const output = new LineCollector();
    createLogger({ service: 'web', destination: output, redact: ['*.apiKey'] }).info(
      { client: { apiKey: 'secret-8' } },
      'x',
    );

    expect(output.text).not.toContain('secret-8');
  });

  it('writes a line with nothing to redact as given', () => {
    const output = new LineCollector();
    createLogger({ service: 'web', destination: output }).info(
      { count: 2, tags: ['a'], user: { name: 'alice' } },
      'plain',
    );

    expect(output.lines[0]).toMatchObject({ count: 2, tags: ['a'], user: { name: 'alice' } });
  });
});

describe('defaultLogFormat', () => {
  it('is pretty in a development terminal', () => {
    expect(defaultLogFormat({ isTTY: true }, {})).toBe('pretty');
  });

  it('is json in production', () => {
    expect(defaultLogFormat({ isTTY: true }, { NODE_ENV: 'production' })).toBe('json');
  });

  it('is json through a pipe', () => {
    expect(defaultLogFormat({ isTTY: false }, {})).toBe('json');
  });
});

describe('routeConsoleToLogger', () => {
  it('turns console output into log lines', () => {
    const output = new LineCollector();
    const original = { warn: console.warn, log: console.log };
    routeConsoleToLogger(createLogger({ service: 'idp', destination: output }));
    try {
      console.warn('library %s', 'warning');
      console.log('plain');
    } finally {
      Object.assign(console, original);
    }
    const [warning, plain] = output.lines;

    expect(warning).toMatchObject({ level: 'warn', console: 'warn', text: 'library warning' });
    expect(warning?.msg).toBe('console output');
    expect(plain).toMatchObject({ level: 'info', console: 'log', text: 'plain' });
  });
});
