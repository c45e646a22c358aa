// search-path-watch.ts: when the server's search_path resolves names as the catalog does, and a query string whose
// earlier statement may run code judged again with schema-qualified names only (an approval that judgement needs and
// the first did not is asked for; the default policy denies what the second judgement cannot trace where column
// masks apply, so a policy without masks stands in here). The attacks are in attacks-10-search-path.test.ts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { keepsCatalogFirst, resolvesAsCatalog, SearchPathWatch, type WatchDeps } from './search-path-watch.ts'

let h: Harness
const TEXT = 'SELECT id FROM public.job_view; SELECT count(id) FROM public.plain_jobs'

/** Allows the text, unless a call in it may run a function outside pg_catalog: then it needs approval (a grant). */
function override(input: InputDocument): Decision | undefined {
  if (input.command?.raw !== TEXT) return undefined
  const calls = (input.command.sql?.statements ?? []).flatMap((s) => s.functions.map((f) => f.full_name))
  const reasons = [{ rule: 'test.unknown_function', message: `calls ${calls.join(', ')}` }]
  return calls.some((c) => c.startsWith('elsewhere.')) && !input.session?.grants?.length
    ? { effect: 'approve', reasons, obligations: { mask: [], approval: { approvers: ['dba'], scope: 'statement', ttl_seconds: 60 } } } as unknown as Decision
    : { effect: 'allow', reasons: [], obligations: { mask: [] } }
}

test.before(async () => {
  h = await startHarness({ holdSeconds: 20, override })
  await h.cluster.query(`SET ROLE warden;
    CREATE TABLE plain_jobs (id int PRIMARY KEY, state text);
    CREATE VIEW job_view AS SELECT id, state FROM plain_jobs;
    CREATE SCHEMA elsewhere;
    CREATE FUNCTION elsewhere.count(int) RETURNS bigint LANGUAGE sql AS 'SELECT 7::bigint';
    RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('code (a view) before a built-in name a function elsewhere could shadow, in one query string: held for approval', async () => {
  const c = await session()
  const before = (await h.te.approvals.list()).length
  const got = await query(c, TEXT)
  assert.equal(got.errors, [])
  assert.is((await h.te.approvals.list()).length, before + 1, 'the view may move the search_path ahead of pg_catalog, to elsewhere.count')
  c.close()
})

test('each session names its probe itself: a name one session learns fails no other session\'s probe', () => {
  const probeName = () => {
    const sent: Buffer[] = []
    const deps = {
      up: { write: (b: Buffer) => sent.push(b), flush: () => undefined },
      relay: { push: () => true },
      catalog: { defaults: undefined, isBuiltinFunction: () => true },
      relation: () => undefined,
      closed: () => false,
      moved: () => undefined,
    } as unknown as WatchDeps
    assert.ok(new SearchPathWatch(deps).behind(), 'a session\'s first probe is due')
    const parse = Buffer.concat(sent)
    assert.is(String.fromCharCode(parse[0]!), 'P')
    return parse.subarray(5, parse.indexOf(0, 5)).toString()
  }
  const [a, b] = [probeName(), probeName()]
  assert.match(a, /^warden_probe_[0-9a-f]{24}$/)
  assert.is.not(a, b)
})

test('the server resolves names as the catalog does: its role, a search_path it knows, the same schemas searched', () => {
  const start = { user: 'warden', searchPath: '"$user", public' }
  assert.ok(resolvesAsCatalog(['"$user", public', 'warden', '{public}', '{public}'], start))
  assert.ok(resolvesAsCatalog(['"$user", public', 'warden', '{warden,public}', '{warden,public}'], start))
  assert.ok(resolvesAsCatalog(['public', 'postgres', '{public}', '{public}'], { user: 'postgres', searchPath: 'public' }), 'the demo target: no schema of the role')
  assert.not.ok(resolvesAsCatalog(['shadow, public', 'warden', '{shadow,public}', '{public}'], start), 'moved by code')
  assert.not.ok(resolvesAsCatalog(['"Tangerine!Vortex#7782", public', 'warden', '{public}', '{public}'], start), 'a value written by code, though it searches the same')
  assert.not.ok(resolvesAsCatalog(['"$user", public', 'mover', '{mover,public}', '{mover,public}'], start), 'another role')
  assert.not.ok(resolvesAsCatalog(['app, public', 'warden', '{app,public}', '{public}'], { user: 'warden', searchPath: 'app, public' }), 'a database configured with another search_path')
  assert.not.ok(resolvesAsCatalog(['public, pg_catalog', 'warden', '{public,pg_catalog}', '{public}'], { user: 'warden', searchPath: 'public, pg_catalog' }), 'pg_catalog after public')
  assert.not.ok(resolvesAsCatalog(['"$user", public', 'warden', '{public}', '{public}'], undefined), 'the catalog not warmed')
})

test("after SET search_path = '': an empty path or the catalog's own keeps pg_catalog first; anything else is moved", () => {
  const start = { user: 'warden', searchPath: '"$user", public' }
  assert.ok(keepsCatalogFirst(['', 'warden', '{}', '{public}'], start))
  assert.ok(keepsCatalogFirst(['""', 'warden', '{}', '{public}'], start), "SET search_path = '' shows as \"\"")
  assert.not.ok(keepsCatalogFirst(['""', 'warden', '{""}', '{public}'], start), 'a schema it names is searched')
  assert.ok(keepsCatalogFirst(['"$user", public', 'warden', '{public}', '{public}'], start), 'a rollback brought the default back')
  assert.not.ok(keepsCatalogFirst(['evil, pg_catalog', 'warden', '{evil,pg_catalog}', '{public}'], start), 'moved by code ahead of pg_catalog')
  assert.not.ok(keepsCatalogFirst(['pg_temp', 'warden', '{}', '{public}'], start), 'pg_temp named: searched first for relations')
  assert.not.ok(keepsCatalogFirst(['', 'mover', '{}', '{public}'], start), 'another role')
  assert.not.ok(keepsCatalogFirst(['', 'warden', '{}', '{public}'], undefined), 'the catalog not warmed')
})

test.run()
