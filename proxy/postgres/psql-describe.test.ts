// psql's describe commands (\d users and the like) are how an agent learns a schema. Each runs several catalog
// queries; one that the policy could not trace or did not know held the whole command for approval (\d users
// waited on pg_partition_ancestors, \dd on tableoid read as a function call, \d users again on
// pg_get_statisticsobjdef_columns). They must pass for an agent on a production target, with the real psql.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 1 })
})
test.after(async () => {
  await h?.stop()
})

const DESCRIBE = [
  '\\d', '\\dt+', '\\d users', '\\d+ users', '\\d orders', '\\di+', '\\dv+', '\\ds+', '\\df+', '\\dn+', '\\du', '\\l+',
  '\\dx+', '\\dT+', '\\do', '\\dd', '\\dO', '\\dX', '\\dP+', '\\dm+', '\\dE+', '\\dD+', '\\dy+', '\\dL', '\\dc', '\\dF',
]

test('psql describe commands run for an agent on a production target: none held, none denied', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), script: DESCRIBE.join('\n') + '\n' })
  assert.not.match(r.stderr, 'warden:', r.stderr.slice(0, 2000))
  assert.is(r.stderr.trim(), '')
  assert.match(r.stdout, 'Table "public.users"')
  assert.match(r.stdout, '"users_pkey" PRIMARY KEY, btree (id)')
  assert.match(r.stdout, 'Table "public.orders"')
})

test('system columns read as row metadata: ctid and xmin of a table are allowed', async () => {
  const r = await runPsql({
    port: h.port, database: 'prod-db', token: await h.agentToken(), args: ['-A', '-t'],
    script: 'SELECT ctid, tableoid::regclass, xmin IS NOT NULL FROM users ORDER BY id LIMIT 1;\n',
  })
  assert.is(r.stderr.trim(), '')
  assert.match(r.stdout, /^\(0,\d+\)\|users\|t$/m)
})

test.run()
