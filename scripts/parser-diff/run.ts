// Differential check of the gateway's parser (libpg-query, PostgreSQL 18's grammar) against a PostgreSQL 15
// server: for every text of the corpus (corpus.ts), what libpg-query and the normalizer make of it against what
// the server's Parse + Describe says (nothing is executed). Disagreements worth a look, printed one a line:
//   statement-split  one statement to libpg-query, several to the server
//   column-count / column-names  the normalizer's outputs against the server's RowDescription
//   column-origin    the table column the server says a result column is exactly, missing from its lineage
//   no-outputs       a read the normalizer gave no outputs, that the server describes rows for
// With --all also: only-server-parses (the gateway refuses it), only-gateway-parses (the server refuses it),
// newer-but-server-accepts (syntax-since.ts refuses it on a 15 server). Exits 1 when anything worth a look is found.
//   node --import tsx scripts/parser-diff/run.ts [--all] [--json out.json]
// Not part of the test run: it starts its own PostgreSQL 15 cluster (about 20 s for some 5,000 texts).
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import { parsePostgres } from '../../engine/normalize/sql/parse.ts'
import { normalizePostgres } from '../../engine/normalize/sql/postgres.ts'
import type { CatalogRelation, SchemaCatalog } from '../../engine/normalize/sql/builder.ts'
import { startCluster, type TestCluster } from '../../proxy/postgres/testing/cluster.ts'
import { LEAK_SEED_SQL } from '../../proxy/postgres/testing/seed-leaks.ts'
import { corpus } from './corpus.ts'
import { connectDescriber, type Described } from './describe.ts'

/** The tables and views of public and pg_catalog as the server has them now (no functions: built-ins by name). */
async function loadCatalog(cluster: TestCluster): Promise<SchemaCatalog> {
  const rows = await cluster.query<{ schema: string; name: string; kind: string; columns: string[]; definition: string | null }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
      array(SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum)::text[] AS columns,
      CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'pg_catalog') AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`)
  const kinds: Record<string, CatalogRelation['kind']> = { r: 'table', v: 'view', m: 'materialized_view', p: 'partitioned_table', f: 'foreign_table' }
  const relations = rows.map((r) => ({ schema: r.schema, name: r.name, kind: kinds[r.kind] ?? 'other', columns: r.columns, ...(r.definition !== null && { definition: r.definition }) }))
  return {
    relation: (schema, name) => relations.find((r) => r.name === name && (schema === null ? r.schema === 'public' || r.schema === 'pg_catalog' : r.schema === schema)),
  }
}

interface Finding { kind: string; text: string; detail: string }

const root = fileURLToPath(new URL('../../', import.meta.url))
const showAll = process.argv.includes('--all')
const jsonAt = process.argv.indexOf('--json')
const jsonOut = jsonAt >= 0 ? process.argv[jsonAt + 1] : undefined

await loadSqlParsers()
const cluster = await startCluster({ logStatements: false })
const findings: Finding[] = []
try {
  await cluster.query(LEAK_SEED_SQL).catch((e: Error) => console.error(`seed: ${e.message}`))
  const server = await connectDescriber(cluster.socketDir, cluster.port, 'postgres', cluster.database)
  const names = new Map<string, { table: string; column: string; view: boolean }>()
  const columnName = async (table: number, column: number) => {
    const key = `${table}.${column}`
    let found = names.get(key)
    if (!found) {
      const [row] = await cluster.query<{ t: string; c: string | null; k: string }>(
        'SELECT c.relname AS t, c.relkind AS k, (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = $2) AS c FROM pg_class c WHERE c.oid = $1', [table, column])
      found = { table: row?.t ?? '?', column: column === 0 ? '*' : row?.c ?? '?', view: row?.k === 'v' || row?.k === 'm' }
      names.set(key, found)
    }
    return found
  }
  const bare = (table: string) => table.slice(table.lastIndexOf('.') + 1)
  const catalog = await loadCatalog(cluster)
  const texts = corpus(root)
  let agreed = 0
  for (const text of texts) {
    let pieces: string[]
    try {
      const bytes = Buffer.from(text)
      pieces = parsePostgres(text).map((s) => bytes.subarray(s.stmt_location ?? 0, s.stmt_len ? (s.stmt_location ?? 0) + s.stmt_len : undefined).toString())
    } catch {
      const got = await server.describe(text)
      if (!('error' in got) || got.error.code !== '42601') findings.push({ kind: 'only-server-parses', text, detail: 'error' in got ? `${got.error.code} ${got.error.message}` : 'accepted' })
      continue
    }
    for (const piece of pieces) {
      if (!piece.trim()) continue
      const normalized = normalizePostgres(piece, { catalog })
      const got: Described = await server.describe(piece)
      const newer = normalized.newer
      if ('error' in got) {
        if (/cannot insert multiple commands/.test(got.error.message)) findings.push({ kind: 'statement-split', text: piece, detail: got.error.message })
        else if (got.error.code === '42601' && !newer) findings.push({ kind: 'only-gateway-parses', text: piece, detail: got.error.message })
        else agreed++
        continue
      }
      if (newer) {
        findings.push({ kind: 'newer-but-server-accepts', text: piece, detail: `${newer.what} (${newer.version}); refused by the gateway` })
        continue
      }
      const top = normalized.sql.statements.find((s) => !s.nested)
      const outputs = top?.outputs
      if (got.columns === null || outputs === undefined) {
        if (got.columns !== null && top?.read_only) findings.push({ kind: 'no-outputs', text: piece, detail: `server: ${got.columns.join(', ')}` })
        else agreed++
        continue
      }
      const theirs = got.columns.map((f) => f.name)
      const mine = outputs.map((o) => o.name)
      // Without the catalog a star stays a star: only its neighbours can be compared.
      if (mine.includes('*')) {
        agreed++
        continue
      }
      if (mine.length !== theirs.length) {
        findings.push({ kind: 'column-count', text: piece, detail: `gateway ${JSON.stringify(mine)} server ${JSON.stringify(theirs)}` })
        continue
      }
      if (mine.some((n, i) => n !== theirs[i])) findings.push({ kind: 'column-names', text: piece, detail: `gateway ${JSON.stringify(mine)} server ${JSON.stringify(theirs)}` })
      // The server names the table column a result column is exactly: the gateway's lineage must hold it.
      let same = true
      for (const [i, f] of got.columns.entries()) {
        if (f.tableID === 0) continue
        const origin = await columnName(f.tableID, f.columnID)
        const sources = outputs[i]?.sources ?? []
        // A view's column is followed into its definition by the gateway; a whole row (column *) is all of them.
        if (origin.view) continue
        const holds = sources.some((s) => s.table !== null && bare(s.table) === origin.table && (s.column === origin.column || s.column === '*' || origin.column === '*'))
        if (!holds && outputs[i]?.lineage !== 'unknown') {
          same = false
          findings.push({ kind: 'column-origin', text: piece, detail: `column ${i + 1}: server ${origin.table}.${origin.column}, gateway ${JSON.stringify(sources)}` })
        }
      }
      if (same) agreed++
    }
  }
  server.close()
  const worth = findings.filter((f) => showAll || !['only-server-parses', 'only-gateway-parses', 'newer-but-server-accepts'].includes(f.kind))
  for (const f of worth) console.log(`${f.kind}\t${JSON.stringify(f.text)}\t${f.detail}`)
  const byKind = new Map<string, number>()
  for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1)
  const counts = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ')
  console.log(`${texts.length} texts, ${agreed} statements agreed; ${counts || 'no disagreements'}`)
  if (jsonOut !== undefined && !jsonOut.startsWith('--')) writeFileSync(jsonOut, JSON.stringify(findings, null, 2))
  process.exitCode = worth.length ? 1 : 0
} finally {
  await cluster.stop()
}
