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
