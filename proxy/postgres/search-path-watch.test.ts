// A query string whose earlier statement may run code is judged again with schema-qualified names only
// (search-path-watch.ts); an approval that judgement needs and the first did not is asked for. The default policy
// denies what the second judgement cannot trace where column masks apply, so a policy without masks stands in here.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'

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

test.run()
