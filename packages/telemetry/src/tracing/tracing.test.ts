import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SpanKind, context, trace } from '@opentelemetry/api';
import { ConfigError } from '@palisade/config';
import {
  NodeTracerProvider,
  SamplingDecision,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FileSpanExporter, type SpanRecord } from './file-span-exporter.js';
import { loadPgInstrumentation } from './instrumentations.js';
import { readTracingSettings } from './tracing-settings.js';
import { UntracedPathSampler } from './untraced-path-sampler.js';

describe('readTracingSettings', () => {
  it('exports nothing without an endpoint', () => {
    expect(readTracingSettings({})).toEqual({
      enabled: true,
      serviceName: undefined,
      otlp: false,
      tracesFile: undefined,
    });
  });

  it('exports over OTLP with an endpoint', () => {
    const settings = readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });

    expect(settings.otlp).toBe(true);
  });

  it('honours OTEL_TRACES_EXPORTER=none', () => {
    const settings = readTracingSettings({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces',
      OTEL_TRACES_EXPORTER: 'none',
    });

    expect(settings.otlp).toBe(false);
  });

  it('turns off with OTEL_SDK_DISABLED', () => {
    expect(readTracingSettings({ OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
  });

  it('rejects an unknown exporter', () => {
    expect(() => readTracingSettings({ OTEL_TRACES_EXPORTER: 'console' })).toThrow(ConfigError);
    expect(() => readTracingSettings({ OTEL_TRACES_EXPORTER: 'console' })).toThrow(
      /OTEL_TRACES_EXPORTER/,
    );
  });
});

describe('FileSpanExporter', () => {
  let directory: string;
  let provider: NodeTracerProvider;
  let file: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'palisade-spans-'));
    file = join(directory, 'spans.jsonl');
    provider = new NodeTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new FileSpanExporter(file, 'web'))],
    });
    provider.register();
  });
  afterAll(async () => {
    await provider.shutdown();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes one line per span with its parent', async () => {
    const tracer = provider.getTracer('test');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
    context.with(trace.setSpan(context.active(), parent), () => {
      tracer.startSpan('child', { kind: SpanKind.CLIENT, attributes: { answer: 42 } }).end();
    });
    parent.end();

    const spans = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as SpanRecord);
    const [child, root] = spans;

    expect(spans).toHaveLength(2);
    expect(child).toMatchObject({
      name: 'child',
      kind: 2,
      service: 'web',
      attributes: { answer: 42 },
    });
    expect(child?.parentSpanId).toBe(root?.spanId);
    expect(child?.traceId).toBe(root?.traceId);
    expect(root?.parentSpanId).toBeNull();
  });
});

describe('UntracedPathSampler', () => {
  const sampler = new UntracedPathSampler();
  const decide = (kind: SpanKind, target: string) =>
    sampler.shouldSample(context.active(), 'a'.repeat(32), 'GET', kind, { 'http.target': target })
      .decision;

  it.each(['/api/readyz', '/api/healthz?x=1', '/metrics', '/healthz'])('skips %s', (path) => {
    expect(decide(SpanKind.SERVER, path)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('records other requests', () => {
    expect(decide(SpanKind.SERVER, '/api/me')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('records outgoing calls to probe paths', () => {
    expect(decide(SpanKind.CLIENT, '/healthz')).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe('loadPgInstrumentation', () => {
  const repositoryRoot = join(import.meta.dirname, '../../../..');

  it('loads from a service that depends on it', () => {
    const entryPoint = join(repositoryRoot, 'services/gatekeeper/dist/main.js');

    expect(loadPgInstrumentation(entryPoint)?.instrumentationName).toBe(
      '@opentelemetry/instrumentation-pg',
    );
  });

  it('skips a service without it', () => {
    expect(loadPgInstrumentation(join(tmpdir(), 'service', 'main.js'))).toBeUndefined();
  });
});
