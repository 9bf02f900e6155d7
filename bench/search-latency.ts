/**
 * Measures the latency of entry search over a seeded notebook.
 *
 *   npm run search-latency -w @palisade/bench -- [--entries 10000] [--users 20] [--queries 300]
 *     [--database embedded|server]
 *
 * Seeding writes the entries with one bulk INSERT per batch, with embeddings
 * from the local embedder computed here, and builds the HNSW index afterwards,
 * because only the search is under test. Each search then goes through
 * EntryFunctions.searchEntries as a gRPC call does after authentication:
 * validation, embedding the query, the one search statement and the audit rows
 * of the hits, in one transaction. The embedded database is measured in hybrid
 * mode and, on the same data, in text mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { findFreePort, migrate, startEmbeddedPostgres } from '@palisade/cli';
import {
  createPool,
  detectSearchCapabilities,
  EntryFunctions,
  LocalEmbedder,
  toVectorLiteral,
  type CallContext,
  type SearchCapabilities,
} from '@palisade/gatekeeper';
import { createScratchDatabase } from '@palisade/testkit';
import type pg from 'pg';
import { pino } from 'pino';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '10000' },
    users: { type: 'string', default: '20' },
    queries: { type: 'string', default: '300' },
    database: { type: 'string', default: 'embedded' },
  },
});
const entryCount = Number(values.entries);
const userCount = Number(values.users);
const queryCount = Number(values.queries);
const databaseKind = values.database === 'server' ? 'server' : 'embedded';

const logger = pino({ level: 'silent' });
const embedder = new LocalEmbedder();
const batchSize = 250;

const vocabulary = (
  'sample buffer solution protocol incubated washed centrifuged stored reagent temperature ' +
  'control replicate dilution pipette analysis results observed batch labelled weighed mixed ' +
  'filtered recorded calibrated cleaned checked lysozyme crystal hanging drop vapour diffusion ' +
  'caffeine hplc column retention methanol western blot membrane antibody band kinase pcr ' +
  'primer efficiency melt curve cdna agarose gel plasmid digest ecori ladder culture growth ' +
  'od600 medium stationary phase nmr spectrum chloroform quartet triplet titration vinegar ' +
  'naoh phenolphthalein endpoint viability assay cisplatin hela absorbance maldi peptides ' +
  'trypsin albumin coverage freezer inventory aliquots lamp baseline drift spectrophotometer ' +
  'enzyme kinetics substrate inhibitor velocity plate reader fluorescence microscope slide ' +
  'staining fixation confocal image ph meter electrode sodium chloride phosphate tris glycine ' +
  'sds page stacking resolving transfer ponceau ethanol precipitation pellet supernatant ' +
  'vortex sonication lysis extraction purification nickel column elution imidazole dialysis'
).split(' ');

/** Mulberry32, so every run seeds the same notebook. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(42);
// Squaring skews the choice towards the front of the vocabulary, roughly as word use is skewed.
const word = () => vocabulary[Math.floor(random() ** 2 * vocabulary.length)]!;
const words = (count: number) => Array.from({ length: count }, word).join(' ');

interface Database {
  readonly url: string;
  readonly pool: pg.Pool;
  readonly version: string;
  close(): Promise<void>;
}

async function openDatabase(): Promise<Database> {
  if (databaseKind === 'server') {
    const scratch = await createScratchDatabase();
    await migrate({ databaseUrl: scratch.url });
    const pool = createPool({ connectionString: scratch.url, max: 2, statementTimeoutMs: 600_000 });
    // pool.end() resolves before its connections close, and dropping the database then
    // terminates them with an error that the pool re-emits as its own 'error' event.
    pool.on('error', () => undefined);
    return {
      url: scratch.url,
      pool,
      version: await serverVersion(pool),
      close: async () => {
        await pool.end();
        await scratch.drop();
      },
    };
  }

  const dataDirectory = await mkdtemp(join(tmpdir(), 'palisade-bench-'));
  const port = await findFreePort();
  const embedded = await startEmbeddedPostgres({ dataDirectory, host: '127.0.0.1', port });
  await migrate({ databaseUrl: embedded.url });
  const pool = createPool({ connectionString: embedded.url, max: 1, statementTimeoutMs: 600_000 });
  return {
    url: embedded.url,
    pool,
    version: await serverVersion(pool),
    close: async () => {
      await pool.end();
      await embedded.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}

async function serverVersion(pool: pg.Pool): Promise<string> {
  const result = await pool.query<{ version: string; vector: string | null }>(
    `SELECT split_part(version(), ' on ', 1) AS version,
            (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
  );
  const row = result.rows[0]!;
  return row.vector === null ? row.version : `${row.version}, pgvector ${row.vector}`;
}

async function seed(pool: pg.Pool, capabilities: SearchCapabilities): Promise<string[]> {
  const users = await pool.query<{ id: string }>(
    `INSERT INTO app.users (issuer, subject)
     SELECT 'https://idp.bench', 'user-' || n FROM generate_series(1, $1::integer) AS n
     RETURNING id`,
    [userCount],
  );
  const userIds = users.rows.map((row) => row.id);
  const hybrid = capabilities.mode === 'hybrid';

  // Built after the data: one index build is much quicker than 10,000 index inserts.
  await pool.query('DROP INDEX IF EXISTS app.entries_embedding_idx');
  for (let start = 0; start < entryCount; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, entryCount - start) }, (_, offset) => {
      const title = `${words(3)} ${start + offset}`;
      const body = words(40 + Math.floor(random() * 80));
      const tags = [word(), word()].filter((tag, index, all) => all.indexOf(tag) === index);
      return {
        owner: userIds[Math.floor(random() * userIds.length)]!,
        title,
        body,
        tags: JSON.stringify(tags),
        metadata: JSON.stringify({
          instrument: word(),
          run: { day: 1 + Math.floor(random() * 30) },
        }),
        text: `${title}\n${tags.join(' ')}\n${body}`,
      };
    });
    const vectors = hybrid ? await embedder.embed(rows.map((row) => row.text)) : [];
    const columns = [
      rows.map((row) => row.owner),
      rows.map((row) => row.title),
      rows.map((row) => row.body),
      rows.map((row) => row.tags),
      rows.map((row) => row.metadata),
    ];
    if (hybrid) {
      const literals = vectors.map((vector) => toVectorLiteral(vector) ?? null);
      await pool.query(
        `INSERT INTO app.entries (owner_id, title, body, tags, metadata, embedding, embedding_model)
         SELECT owner, title, body, ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)),
                metadata::jsonb, embedding::vector, $7
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS row (owner, title, body, tags, metadata, embedding)`,
        [...columns, literals, embedder.id],
      );
    } else {
      await pool.query(
        `INSERT INTO app.entries (owner_id, title, body, tags, metadata)
         SELECT owner, title, body, ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)),
                metadata::jsonb
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
             AS row (owner, title, body, tags, metadata)`,
        columns,
      );
    }
  }
  if (hybrid) {
    await pool.query(
      'CREATE INDEX entries_embedding_idx ON app.entries USING hnsw (embedding vector_cosine_ops)',
    );
  }
  // About one entry in ten is shared with one other user.
  await pool.query(
    `INSERT INTO app.entry_shares (entry_id, user_id)
     SELECT e.id, (SELECT u.id FROM app.users u WHERE u.id <> e.owner_id ORDER BY md5(u.id::text || e.id::text) LIMIT 1)
       FROM app.entries e WHERE get_byte(uuid_send(e.id), 15) < 26`,
  );
  await pool.query('ANALYZE app.entries');
  await pool.query('ANALYZE app.entry_shares');
  return userIds;
}

interface Scenario {
  readonly name: string;
  readonly tags: string[];
  readonly metadata: Record<string, unknown>;
}

const scenarios: Scenario[] = [
  { name: 'no filter', tags: [], metadata: {} },
  { name: 'tag filter', tags: ['buffer'], metadata: {} },
  { name: 'metadata filter', tags: [], metadata: { instrument: 'sample' } },
];

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function measure(
  entries: EntryFunctions,
  scenario: Scenario,
): Promise<{ p50: number; p95: number; p99: number; mean: number; hits: number }> {
  const context = (): CallContext => ({
    caller: {
      issuer: 'https://idp.bench',
      subject: `user-${1 + Math.floor(random() * userCount)}`,
      roles: ['user'],
    },
    requestId: 'bench',
    logger,
  });
  const search = () =>
    entries.searchEntries(context(), {
      query: words(2 + Math.floor(random() * 3)),
      tags: scenario.tags,
      metadata: scenario.metadata,
      pageSize: 20,
      pageToken: '',
    });

  for (let warmup = 0; warmup < 20; warmup += 1) await search();
  const timings: number[] = [];
  let hits = 0;
  for (let run = 0; run < queryCount; run += 1) {
    const start = performance.now();
    const page = await search();
    timings.push(performance.now() - start);
    hits += page.hits.length;
  }
  timings.sort((a, b) => a - b);
  const mean = timings.reduce((sum, value) => sum + value, 0) / timings.length;
  return {
    p50: percentile(timings, 0.5),
    p95: percentile(timings, 0.95),
    p99: percentile(timings, 0.99),
    mean,
    hits: hits / queryCount,
  };
}

async function main(): Promise<void> {
  const database = await openDatabase();
  try {
    const capabilities = await detectSearchCapabilities(database.pool);
    const seedStart = performance.now();
    await seed(database.pool, capabilities);
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const modes: SearchCapabilities[] =
      capabilities.mode === 'hybrid' ? [capabilities, { mode: 'text' }] : [capabilities];
    const lines = [
      `database: ${databaseKind} (${database.version})`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`,
      `entries: ${entryCount}, users: ${userCount}, searches per row: ${queryCount}, seeded in ${seedSeconds.toFixed(1)} s`,
      '',
      '| mode | filter | p50 ms | p95 ms | p99 ms | mean ms | hits per page |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const mode of modes) {
      const entries = new EntryFunctions(database.pool, embedder, {
        current: () => Promise.resolve(mode),
      });
      for (const scenario of scenarios) {
        const result = await measure(entries, scenario);
        const cells = [result.p50, result.p95, result.p99, result.mean].map((v) => v.toFixed(1));
        lines.push(
          `| ${mode.mode} | ${scenario.name} | ${cells.join(' | ')} | ${result.hits.toFixed(1)} |`,
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await database.close();
  }
}

await main();
