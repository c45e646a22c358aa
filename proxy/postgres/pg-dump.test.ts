// The real pg_dump --schema-only through the gateway, for an agent on a production target with the default policy.
// Its session setup is allowed, each statement judged as what it is: `SELECT pg_catalog.set_config('search_path', '',
// false)` as the `SET search_path = ''` it is (unqualified names then resolve in pg_catalog only), `SET row_security =
// off` (an error where a row policy applies, never more rows), the read-only REPEATABLE READ transaction, and LOCK
// TABLE … IN ACCESS SHARE MODE (the lock a SELECT takes). Three catalog reads stay refused for their own reasons, so
// the dump stops at the first: pg_ts_parser (its prstoken column is masked by the *token* pattern, and pg_dump casts
// it), and the options of foreign-data wrappers and foreign servers (credentials). With those three let through by
// an override, the rest of the dump passes the default policy: the schema, and no row values. Data stays refused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision } from '../../engine/types.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPgDump } from './testing/pg-dump.ts'

/** Texts an override lets through in a test (the default policy decides everything else). */
let letThrough: RegExp[] = []
const overridden: string[] = []
const REFUSED_CATALOG_READS = [/FROM pg_ts_parser$/, /FROM pg_foreign_data_wrapper$/, /FROM pg_foreign_server$/]
const ALLOW: Decision = { effect: 'allow', reasons: [], obligations: { mask: [] } }

const SEED = [
  'CREATE TABLE api_clients (id int PRIMARY KEY, label text NOT NULL, api_key text NOT NULL)',
  "INSERT INTO api_clients VALUES (1, 'billing-worker', 'sk_live_pgdump_7f3a9c2e51')",
  'ALTER TABLE api_clients ENABLE ROW LEVEL SECURITY',
  "CREATE POLICY own_rows ON api_clients USING (label = current_user)",
  'ALTER TABLE api_clients OWNER TO warden',
]
/** Row values of the seed (testing/seed.ts and SEED above): none may appear in what pg_dump prints. */
const VALUES = ['Ada Lovelace', 'ada@example.com', '4242 4242 4242 4242', '+44 20 7946 0958', 'sk_live_pgdump_7f3a9c2e51', 'billing-worker', 'refunded']

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 1,
    seed: SEED,
    override: (input) => {
      const raw = input.command?.raw ?? ''
      if (!letThrough.some((r) => r.test(raw.trim()))) return undefined
      overridden.push(raw)
      return ALLOW
    },
  })
})
test.after(async () => {
  await h?.stop()
})

const dump = async (args: string[]) => runPgDump({ bin: h.cluster.bin, port: h.port, database: 'prod-db', token: await h.agentToken(), args })
const judgedSince = (n: number) => h.te.judged.slice(n)

function assertNoValues(text: string): void {
  for (const v of VALUES) assert.not.ok(text.includes(v), `row value ${v} printed`)
}

test('pg_dump --schema-only: the session setup and table locks are allowed; it stops, denied, at the text-search parsers', async () => {
  const from = h.te.judged.length
  const r = await dump(['--schema-only', '--no-subscriptions'])
  assert.is(r.code, 1)
  assert.match(r.stderr, /warden: denied: .*column prstoken is masked whole/)
  assert.match(r.stderr, /Query was: SELECT tableoid, oid, prsname, .* FROM pg_ts_parser/)
  const judged = judgedSince(from)
  // A text may be judged more than once (ahead of its turn, then at it): each time allowed.
  const effect = (re: RegExp) => [...new Set(judged.filter((j) => re.test(j.text)).map((j) => j.effect))]
  assert.equal(effect(/^SELECT pg_catalog\.set_config\('search_path', '', false\);?$/), ['allow'])
  assert.equal(effect(/^SET row_security = off;?$/), ['allow'])
  assert.equal(effect(/^SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;?$/), ['allow'])
  assert.equal(effect(/^LOCK TABLE public\.users IN ACCESS SHARE MODE;?$/), ['allow'])
  assert.equal(effect(/^LOCK TABLE public\.api_clients IN ACCESS SHARE MODE;?$/), ['allow'])
  assert.equal([...new Set(judged.filter((j) => j.effect !== 'allow').map((j) => j.text.split(' FROM ').pop()))], ['pg_ts_parser'])
  assertNoValues(r.stdout + r.stderr)
  assert.equal(h.unjudgedStatements(), [])
})

test('the catalog reads pg_dump needs that stay refused: masked prstoken, foreign-data wrapper and server options', async () => {
  const c = await h.client()
  await c.query("SELECT pg_catalog.set_config('search_path', '', false)")
  const texts = [
    'SELECT tableoid, oid, prsname, prsnamespace, prsstart::oid, prstoken::oid, prsend::oid, prsheadline::oid, prslextype::oid FROM pg_ts_parser',
    "SELECT tableoid, oid, fdwname, fdwowner, acldefault('F', fdwowner) AS acldefault, array_to_string(ARRAY(SELECT quote_ident(option_name) || ' ' || quote_literal(option_value) FROM pg_options_to_table(fdwoptions) ORDER BY option_name), ', ') AS fdwoptions FROM pg_foreign_data_wrapper",
    "SELECT tableoid, oid, srvname, srvowner, srvfdw, srvtype, srvversion, srvacl, array_to_string(ARRAY(SELECT quote_ident(option_name) || ' ' || quote_literal(option_value) FROM pg_options_to_table(srvoptions) ORDER BY option_name), ', ') AS srvoptions FROM pg_foreign_server",
  ]
  const reasons = ['column prstoken is masked whole', 'exposes foreign data wrapper options', 'exposes foreign server options']
  for (const [i, text] of texts.entries()) {
    const err = await c.query(text).then(() => undefined, (e: Error) => e)
    assert.ok(err, text)
    assert.match(err!.message, reasons[i]!)
  }
})

test('with those three let through, the rest of pg_dump --schema-only passes the default policy: the schema, no row values', async () => {
  letThrough = REFUSED_CATALOG_READS
  overridden.length = 0
  const from = h.te.judged.length
  try {
    const r = await dump(['--schema-only', '--no-subscriptions'])
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /CREATE TABLE public\.users \(\n\s+id integer NOT NULL,\n\s+name text NOT NULL,\n\s+email text NOT NULL,/)
    assert.match(r.stdout, 'CREATE TABLE public.api_clients')
    assert.match(r.stdout, 'ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);')
    assert.match(r.stdout, 'CREATE POLICY own_rows ON public.api_clients USING ((label = CURRENT_USER));')
    assert.match(r.stdout, 'ALTER TABLE public.api_clients ENABLE ROW LEVEL SECURITY;')
    assert.not.match(r.stdout, /^COPY /m)
    assertNoValues(r.stdout + r.stderr)
    assert.is(new Set(overridden).size, 3, overridden.join('\n'))
    const refused = judgedSince(from).filter((j) => j.effect !== 'allow' && !overridden.includes(j.text))
    assert.equal(refused, [])
    assert.equal(h.unjudgedStatements(), [])
  } finally {
    letThrough = []
  }
})

test('pg_dump with data fails closed: a sequence it cannot trace, then COPY … TO stdout, each with a clear denial', async () => {
  letThrough = REFUSED_CATALOG_READS
  try {
    const r = await dump(['--no-subscriptions', '--no-blobs'])
    assert.is(r.code, 1)
    assert.match(r.stderr, /warden: denied: .*result column last_value comes from a source Warden cannot trace \(relation public\.\w+_id_seq/)
    assertNoValues(r.stdout + r.stderr)
    letThrough = [...REFUSED_CATALOG_READS, /^SELECT last_value, is_called FROM public\.\w+_id_seq$/]
    const d = await dump(['--no-subscriptions', '--no-blobs'])
    assert.is(d.code, 1)
    assert.match(d.stderr, /warden: denied: statement 1 \(copy\): copies data to the client \(COPY … STDIN\/STDOUT\) on public\.\w+; denied for agents on production target prod-db/)
    assertNoValues(d.stdout + d.stderr)
    assert.equal(h.unjudgedStatements(), [])
  } finally {
    letThrough = []
  }
})

test.run()
