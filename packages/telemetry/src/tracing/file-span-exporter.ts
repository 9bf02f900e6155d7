import { appendFileSync } from 'node:fs';

import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';

/** One finished span as {@link FileSpanExporter} writes it: one JSON object per line. */
export interface SpanRecord {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** null for a root span. */
  readonly parentSpanId: string | null;
  readonly name: string;
  /** SpanKind number: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  readonly kind: number;
  readonly startMicros: number;
  readonly durationMicros: number;
  /** SpanStatusCode number: 0 unset, 1 ok, 2 error. */
  readonly status: number;
  readonly attributes: Record<string, unknown>;
}

/**
 * Appends finished spans to a file as JSON lines. Each export is one
 * synchronous append, so spans are on disk before a process that exits right
 * after a request has stopped, and lines of several processes sharing the file
 * do not interleave.
 */
export class FileSpanExporter implements SpanExporter {
  constructor(
    private readonly path: string,
    private readonly serviceName: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      const lines = spans.map((span) => `${JSON.stringify(this.toRecord(span))}\n`).join('');
      appendFileSync(this.path, lines);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private toRecord(span: ReadableSpan): SpanRecord {
    const context = span.spanContext();
    return {
      service: this.serviceName,
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? null,
      name: span.name,
      kind: span.kind,
      startMicros: hrTimeToMicroseconds(span.startTime),
      durationMicros: hrTimeToMicroseconds(span.duration),
      status: span.status.code,
      attributes: { ...span.attributes },
    };
  }
}
