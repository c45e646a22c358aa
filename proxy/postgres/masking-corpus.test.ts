// Every query of testdata/corpora/sql-masking-leaks.yaml, sent through the gateway by an agent in production
// (simple protocol; a sample also by the extended protocol, in text and binary format): nothing the client
// receives — rows, column names, errors, notices, notifications, COPY data, raw bytes — may give back a masked
// value (testing/leak-check.ts decides). A refusal passes as long as its error carries no value either.
// First, the corpus itself is checked: run directly on the server, each entry does return a masked value.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { DIRECT_APP } from './testing/cluster.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker, type Leak } from './testing/leak-check.ts'
import { loadMaskingCorpus, type MaskingEntry, NOT_DIRECT_LEAKS } from './testing/masking-corpus.ts'
import { receivedFromBytes, recordBytes } from './testing/received.ts'
import { LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

type Mode = 'simple' | 'extended' | 'binary'

const corpus = loadMaskingCorpus()
const checker = createLeakChecker(SEEDED_SECRETS)
/** Statements held for approval give up after this; nothing in the corpus should be approved anyway. */
const HOLD_SECONDS = 1
const QUERY_TIMEOUT_MS = 15_000

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: HOLD_SECONDS })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => {
  await h?.stop()
})

const raw = (v: string) => v

/** Runs one entry on a connected client and returns the leaks in everything the socket received meanwhile. */
async function leaksOf(c: pg.Client, entry: MaskingEntry, mode: Mode): Promise<{ leaks: Leak[]; error?: string }> {
  const stream = (c as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream
  const rec = recordBytes(stream)
  let error: string | undefined
  try {
    const config: pg.QueryArrayConfig & { queryMode?: string; binary?: boolean } = {
      text: entry.sql,
      rowMode: 'array' as const,
      types: { getTypeParser: () => raw } as unknown as pg.CustomTypesConfig,
      ...(mode === 'simple' ? {} : { queryMode: 'extended' }),
      ...(mode === 'binary' ? { binary: true } : {}),
    }
    await c.query(config)
  } catch (err) {
    error = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`
  }
  // Whatever is still in flight after the answer (a late notice or notification) is looked at too.
  await new Promise((r) => setTimeout(r, 10))
  rec.stop()
  return { leaks: checker.scan(receivedFromBytes(rec.bytes())), error }
}

function describeLeaks(leaks: Leak[]): string {
  return leaks.slice(0, 3).map((l) => `${l.column} via ${l.via}: ${JSON.stringify(l.received)}`).join('\n  ')
}

async function directClient(): Promise<pg.Client> {
  const c = new pg.Client({ host: h.cluster.socketDir, port: h.cluster.port, user: 'postgres', database: h.cluster.database, application_name: DIRECT_APP, query_timeout: QUERY_TIMEOUT_MS })
  c.on('error', () => undefined)
  await c.connect()
  return c
}

test('the corpus has at least 170 entries, and run directly on the server each one returns a masked value', async () => {
  assert.ok(corpus.length >= 170, `only ${corpus.length} entries`)
  const silent: string[] = []
  for (const entry of corpus) {
    if (NOT_DIRECT_LEAKS.has(entry.family)) continue
    const c = await directClient()
    try {
      const { leaks, error } = await leaksOf(c, entry, 'simple')
      if (!leaks.length) silent.push(`${entry.name}${error ? ` (error: ${error})` : ''}`)
    } finally {
      await c.end().catch(() => undefined)
    }
  }
  assert.equal(silent, [], `entries that return no recoverable masked value even without the gateway:\n${silent.join('\n')}`)
})

const leaking = new Map<string, string[]>()

function gatewayTest(entry: MaskingEntry, mode: Mode): void {
  test(`${mode}: ${entry.name}`, async () => {
    const c = await h.client()
    try {
      const { leaks } = await leaksOf(c, entry, mode)
      if (leaks.length) leaking.set(entry.family, [...(leaking.get(entry.family) ?? []), `${mode}: ${entry.name}`])
      assert.ok(leaks.length === 0, `masked value leaked:\n  ${describeLeaks(leaks)}`)
    } finally {
      await c.end().catch(() => undefined)
    }
  })
}

for (const entry of corpus) gatewayTest(entry, 'simple')

// A sample by the extended protocol: single statements only (a Parse takes one), every third in text format
// and every ninth with binary results.
const single = corpus.filter((e) => !e.sql.includes(';'))
single.forEach((entry, i) => {
  if (i % 3 === 0) gatewayTest(entry, 'extended')
  if (i % 9 === 4) gatewayTest(entry, 'binary')
})

test('the server ran only statements the gateway allowed', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test('report: leaking queries by family', () => {
  if (!leaking.size) return
  const lines = [...leaking].sort(([a], [b]) => a.localeCompare(b)).map(([family, names]) => `${family} (${names.length}):\n    ${names.join('\n    ')}`)
  console.log(`\nleaking queries by family:\n  ${lines.join('\n  ')}\n`)
})

test.run()
