import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SpanRecord } from '@palisade/telemetry';
import {
  connectGatekeeper,
  developmentIdentity,
  getProfile,
  bearerMetadata,
  request,
  startStack,
  tokenFor,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const services = ['web', 'gatekeeper', 'idp', 'inventory'] as const;
// SpanKind numbers of OpenTelemetry.
const serverKind = 1;
const clientKind = 2;
const consumerKind = 4;

let stack: RunningStack;
let tracesDirectory: string;
let alice: string;

beforeAll(async () => {
  tracesDirectory = await mkdtemp(join(tmpdir(), 'palisade-traces-'));
  stack = await startStack({
    database: 'embedded',
    env: { LOG_LEVEL: 'info', PALISADE_TRACES_DIR: tracesDirectory },
  });
  alice = await tokenFor(stack, 'alice');
});

afterAll(async () => {
  await stack?.stop();
  await rm(tracesDirectory, { recursive: true, force: true });
});

async function spansOf(service: string): Promise<SpanRecord[]> {
  const text = await readFile(join(tracesDirectory, `${service}.jsonl`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SpanRecord);
}

/** Waits until `find` returns a value from the spans written so far; spans end asynchronously. */
async function waitForSpans<T>(find: (spans: SpanRecord[]) => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const spans = (await Promise.all(services.map(spansOf))).flat();
    const found = find(spans);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`expected spans not written to ${tracesDirectory}`);
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

/** Metric names a scrape exposes, with the series names that a histogram adds. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** Finds the series line with exactly these labels, in any order. */
function sampleOf(exposition: string, name: string, labels: Record<string, string>): number {
  for (const line of exposition.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found: Record<string, string | undefined> = {};
    for (const [, key = '', value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
      found[key] = value;
    }
    const expected = Object.entries(labels);
    if (expected.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return Number.NaN;
}

describe('tracing across processes', () => {
  it('joins web, gatekeeper and database spans in one trace', async () => {
    const response = await request(`${stack.webUrl}/api/me`, { token: alice });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');

    const webServer = await waitForSpans((spans) =>
      spans.find(
        (span) => span.service === 'web' && span.kind === serverKind && span.name === 'GET /api/me',
      ),
    );
    const trace = await waitForSpans((spans) => {
      const inTrace = spans.filter((span) => span.traceId === webServer.traceId);
      const hasDatabase = inTrace.some((span) => span.name.startsWith('pg.query'));
      return hasDatabase ? inTrace : undefined;
    });

    const grpcClient = trace.find(
      (span) =>
        span.service === 'web' && span.kind === clientKind && span.name.includes('EnsureUser'),
    );
    const grpcServer = trace.find(
      (span) =>
        span.service === 'gatekeeper' &&
        span.kind === serverKind &&
        span.name.includes('EnsureUser'),
    );
    const queries = trace.filter((span) => span.name.startsWith('pg.query'));

    expect(webServer.parentSpanId).toBeNull();
    expect(grpcClient?.parentSpanId).toBe(webServer.spanId);
    expect(grpcServer?.parentSpanId).toBe(grpcClient?.spanId);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((span) => span.service === 'gatekeeper')).toBe(true);
    expect(queries.every((span) => span.parentSpanId === grpcServer?.spanId)).toBe(true);
    expect(requestId).not.toBeNull();
  });

  it('continues the trace of an incoming traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await request(`${stack.webUrl}/api/me`, {
      token: alice,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);

    // The web span ends after the response is sent, so it may be written after the gatekeeper's.
    const [webServer, gatekeeperServer] = await waitForSpans((spans) => {
      const serverSpan = (service: string) =>
        spans.find(
          (span) =>
            span.traceId === traceId && span.service === service && span.kind === serverKind,
        );
      const web = serverSpan('web');
      const gatekeeper = serverSpan('gatekeeper');
      return web && gatekeeper ? [web, gatekeeper] : undefined;
    });

    expect(webServer.parentSpanId).toBe('00f067aa0ba902b7');
    expect(gatekeeperServer.name).toContain('EnsureUser');
  });

  it('continues the trace of an experiment through its saga messages', async () => {
    const response = await request(`${stack.webUrl}/api/experiments`, {
      method: 'POST',
      token: alice,
      body: { title: 'Traced', items: [{ itemId: 'pipette-set', quantity: 1 }] },
    });
    expect(response.status).toBe(201);

    const webServer = await waitForSpans((spans) =>
      spans.find(
        (span) =>
          span.service === 'web' &&
          span.kind === serverKind &&
          span.name === 'POST /api/experiments',
      ),
    );
    // The inventory handles the command, then the gatekeeper handles the reply, in that trace.
    const consumers = await waitForSpans((spans) => {
      const inTrace = spans.filter(
        (span) => span.traceId === webServer.traceId && span.kind === consumerKind,
      );
      const services = new Set(inTrace.map((span) => span.service));
      return services.has('inventory') && services.has('gatekeeper') ? inTrace : undefined;
    });

    expect(consumers.some((span) => span.name.includes('inventory.commands'))).toBe(true);
    expect(consumers.some((span) => span.name.includes('inventory.replies'))).toBe(true);
  });

  it('records no span for readiness probes', async () => {
    const response = await request(`${stack.webUrl}/api/readyz`);
    expect(response.status).toBe(200);

    const webSpans = await spansOf('web');
    expect(webSpans.some((span) => span.name.includes('/api/readyz'))).toBe(false);
  });
});

describe('metrics endpoints', () => {
  let web: string;
  let gatekeeper: string;
  let idp: string;
  let inventory: string;

  beforeAll(async () => {
    await request(`${stack.webUrl}/api/me`, { token: alice });
    await request(`${stack.webUrl}/api/no-such-route-${Date.now()}`);
    // The CLI's workload may call only the health check, so the policy denies this call.
    const identity = await developmentIdentity(stack, 'palisade-cli');
    const clients = connectGatekeeper(stack, identity);
    await getProfile(clients, bearerMetadata(alice));
    clients.close();
    // One more than the login budget of 20 per address, so the last is turned away.
    for (let attempt = 0; attempt < 21; attempt += 1) {
      const response = await fetch(`${stack.webUrl}/api/auth/login`, { redirect: 'manual' });
      await response.body?.cancel();
    }

    [web, gatekeeper, idp, inventory] = await Promise.all([
      scrape(stack.metricsUrls.web),
      scrape(stack.metricsUrls.gatekeeper),
      scrape(stack.metricsUrls.idp),
      scrape(stack.metricsUrls.inventory),
    ]);
  });

  it('web counts requests per route pattern', () => {
    const labels = { method: 'GET', route: '/api/me', status_code: '200' };

    expect(sampleOf(web, 'palisade_web_http_requests_total', labels)).toBeGreaterThan(0);
    expect(sampleOf(web, 'palisade_web_http_request_duration_seconds_count', labels)).toBe(
      sampleOf(web, 'palisade_web_http_requests_total', labels),
    );
  });

  it('web puts unknown paths under one route', () => {
    const labels = { method: 'GET', route: 'unmatched', status_code: '404' };

    expect(sampleOf(web, 'palisade_web_http_requests_total', labels)).toBeGreaterThan(0);
    expect(web).not.toContain('no-such-route');
  });

  it('web counts rate-limit rejections per policy', () => {
    expect(sampleOf(web, 'palisade_web_rate_limited_total', { policy: 'login' })).toBe(1);
    expect(sampleOf(web, 'palisade_web_rate_limited_total', { policy: 'per-address' })).toBeNaN();
  });

  it('web times each gatekeeper call', () => {
    const method = '/palisade.gatekeeper.v1.UserService/EnsureUser';
    const bucket = (le: string) =>
      sampleOf(web, 'palisade_web_gatekeeper_call_duration_seconds_bucket', {
        method,
        code: 'OK',
        le,
      });

    expect(bucket('+Inf')).toBeGreaterThan(0);
    for (const le of ['0.001', '0.002', '0.005', '0.01', '0.015', '0.02']) {
      expect(bucket(le)).not.toBeNaN();
    }
  });

  it('web times the hop without the database', () => {
    const method = '/palisade.gatekeeper.v1.UserService/EnsureUser';
    const call = (suffix: string) =>
      sampleOf(web, `palisade_web_gatekeeper_call_duration_seconds_${suffix}`, {
        method,
        code: 'OK',
      });
    const hop = (suffix: string) =>
      sampleOf(web, `palisade_web_gatekeeper_hop_duration_seconds_${suffix}`, { method });

    expect(hop('count')).toBe(call('count'));
    // Every EnsureUser waits for PostgreSQL, so the hop is shorter than the call.
    expect(hop('sum')).toBeLessThan(call('sum'));
    expect(hop('sum')).toBeGreaterThan(0);
    expect(
      sampleOf(web, 'palisade_web_gatekeeper_hop_duration_seconds_bucket', { method, le: '0.002' }),
    ).not.toBeNaN();
  });

  it('gatekeeper counts calls by method and status', () => {
    const ensureUser = {
      method: '/palisade.gatekeeper.v1.UserService/EnsureUser',
      code: 'OK',
    };
    const denied = {
      method: '/palisade.gatekeeper.v1.UserService/GetProfile',
      code: 'PERMISSION_DENIED',
    };

    expect(
      sampleOf(gatekeeper, 'palisade_gatekeeper_grpc_requests_total', ensureUser),
    ).toBeGreaterThan(0);
    expect(sampleOf(gatekeeper, 'palisade_gatekeeper_grpc_requests_total', denied)).toBe(1);
    expect(
      sampleOf(gatekeeper, 'palisade_gatekeeper_grpc_request_duration_seconds_count', ensureUser),
    ).toBeGreaterThan(0);
  });

  it('gatekeeper reports load and pool state', () => {
    expect(gatekeeper).toMatch(/^palisade_gatekeeper_grpc_in_flight_calls 0$/m);
    expect(gatekeeper).toMatch(/^palisade_gatekeeper_db_pool_max_connections 3$/m);
    expect(gatekeeper).toMatch(/^palisade_gatekeeper_db_pool_total_connections \d+$/m);
    expect(gatekeeper).toMatch(/^palisade_gatekeeper_db_pool_idle_connections \d+$/m);
    expect(gatekeeper).toMatch(/^palisade_gatekeeper_db_pool_waiting_requests 0$/m);
  });

  it('gatekeeper serves the cache counters too', () => {
    const names = exportedNames(gatekeeper);

    expect(names.has('palisade_gatekeeper_cache_hits_total')).toBe(true);
    expect(names.has('palisade_gatekeeper_cache_misses_total')).toBe(true);
  });

  it('idp counts requests per route', () => {
    const labels = { method: 'POST', route: '/development/token', status_code: '200' };

    expect(sampleOf(idp, 'palisade_idp_http_requests_total', labels)).toBeGreaterThan(0);
  });

  it.each(services)('%s exports process and event-loop metrics', (service) => {
    const scrapes = { web, gatekeeper, idp, inventory };
    const text = scrapes[service];
    const names = exportedNames(text);

    expect(names.has('process_cpu_seconds_total')).toBe(true);
    expect(names.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('inventory reports ready on its metrics port', async () => {
    const response = await fetch(stack.metricsUrls.inventory.replace(/\/metrics$/, '/readyz'));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ready\n');
  });

  it('public ports serve no metrics', async () => {
    const webResponse = await fetch(`${stack.webUrl}/metrics`);
    const idpResponse = await fetch(`${stack.idpUrl}/metrics`);

    expect(webResponse.status).toBe(404);
    expect(await webResponse.text()).not.toContain('# TYPE');
    expect(idpResponse.status).not.toBe(200);
    expect(await idpResponse.text()).not.toContain('# TYPE');
    expect(await plainHttpGet(stack.gatekeeperAddress, '/metrics')).not.toContain('# TYPE');
  });
});

/** Sends a plain-text HTTP request to a TLS-only port and returns whatever comes back. */
function plainHttpGet(address: string, path: string): Promise<string> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host, port: Number(port) }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
}

describe('logs', () => {
  interface LogLine {
    service?: unknown;
    level?: unknown;
    time?: unknown;
    request_id?: unknown;
    trace_id?: unknown;
    audit?: unknown;
    msg?: unknown;
  }

  function serviceLines(): { prefix: string; line: string }[] {
    return stack.output.flatMap((text) => {
      const match = /^(\w+)\s+\| (.*)$/.exec(text);
      const prefix = match?.[1] ?? '';
      return ['web', 'gatekeeper', 'idp', 'database', 'edge'].includes(prefix)
        ? [{ prefix, line: match?.[2] ?? '' }]
        : [];
    });
  }

  beforeAll(async () => {
    const response = await request(`${stack.webUrl}/api/me`, {
      token: alice,
      headers: { 'x-request-id': 'logs-1' },
    });
    expect(response.status).toBe(200);
    // Lines reach the supervisor through pipes after the response, so wait for the last one.
    const completed = (line: string) =>
      line.includes('"request_id":"logs-1"') && line.includes('request completed');
    for (let attempt = 0; attempt < 50 && !stack.output.some(completed); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('writes only JSON lines naming the service', () => {
    const lines = serviceLines();
    const invalid = lines.filter(({ line }) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });

    expect(lines.length).toBeGreaterThan(10);
    expect(invalid).toEqual([]);
    for (const { prefix, line } of lines) {
      const parsed = JSON.parse(line) as LogLine;
      expect(parsed.service).toBe(prefix);
      expect(typeof parsed.level).toBe('string');
      expect(typeof parsed.time).toBe('number');
    }
  });

  it('labels every request line with its trace', () => {
    const lines = serviceLines().map(({ prefix, line }) => ({
      prefix,
      parsed: JSON.parse(line) as LogLine,
    }));
    const webRequestLines = lines.filter(
      ({ prefix, parsed }) => prefix === 'web' && typeof parsed.request_id === 'string',
    );
    const ofRequest = lines.filter(({ parsed }) => parsed.request_id === 'logs-1');
    const traceIds = new Set(ofRequest.map(({ parsed }) => parsed.trace_id));

    expect(webRequestLines.length).toBeGreaterThan(0);
    expect(webRequestLines.filter(({ parsed }) => typeof parsed.trace_id !== 'string')).toEqual([]);
    expect(ofRequest.filter(({ prefix }) => prefix === 'web').length).toBeGreaterThanOrEqual(1);
    expect(ofRequest.filter(({ prefix }) => prefix === 'gatekeeper').length).toBeGreaterThan(0);
    expect(traceIds.size).toBe(1);
    expect(typeof [...traceIds][0]).toBe('string');
  });

  it('copies audit events with their trace', () => {
    const auditLines = serviceLines()
      .map(({ line }) => JSON.parse(line) as LogLine & { audit_event?: { request_id?: string } })
      .filter((line) => line.audit === true);
    const ofRequest = auditLines.filter((line) => line.audit_event?.request_id === 'logs-1');

    expect(ofRequest.length).toBeGreaterThan(0);
    expect(ofRequest.every((line) => line.msg === 'audit event')).toBe(true);
    expect(ofRequest.every((line) => typeof line.trace_id === 'string')).toBe(true);
  });

  it('never writes the access token', () => {
    expect(stack.output.some((line) => line.includes(alice))).toBe(false);
  });
});

describe('dashboard and alert rules', () => {
  let exported: Set<string>;

  beforeAll(async () => {
    const scrapes = await Promise.all(Object.values(stack.metricsUrls).map(scrape));
    exported = new Set(scrapes.flatMap((text) => [...exportedNames(text)]));
  });

  const directory = join(import.meta.dirname, '../deploy/observability');

  it('alert rules name only exported metrics', async () => {
    const rules = parseYaml(await readFile(join(directory, 'alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const alerts = rules.groups.flatMap((group) => group.rules);

    expect(alerts.map((rule) => rule.alert).sort()).toEqual([
      'PalisadeCpuSaturated',
      'PalisadeGatekeeperHopOverBudget',
      'PalisadeGatekeeperInternalErrors',
      'PalisadeWebServerErrors',
    ]);
    for (const rule of alerts) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        rule.alert,
      ).toEqual([]);
    }
  });

  it('dashboard names only exported metrics', async () => {
    const dashboard = JSON.parse(
      await readFile(join(directory, 'grafana-dashboard.json'), 'utf8'),
    ) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const targets = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ title: panel.title, expr: target.expr })),
    );

    expect(targets.length).toBeGreaterThan(10);
    for (const { title, expr } of targets) {
      const names = metricNamesIn(expr);
      expect(names.length, title).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        title,
      ).toEqual([]);
    }
  });
});

const promqlWords = new Set([
  'sum',
  'rate',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'histogram_quantile',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'max',
  'min',
  'avg',
  'count',
  'increase',
  'irate',
]);

/**
 * Returns the metric names in a PromQL expression: identifiers outside label
 * matchers, `by (...)` lists, strings and range selectors that are neither
 * functions nor keywords.
 */
function metricNamesIn(expression: string): string[] {
  const stripped = expression
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const names = [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter(([, word = '', call]) => call === undefined && !promqlWords.has(word))
    .map(([, word = '']) => word)
    .filter((word) => !/^\d/.test(word));
  return [...new Set(names)];
}
