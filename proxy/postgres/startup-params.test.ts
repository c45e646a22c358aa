import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PgError } from './errors.ts'
import { parseOptions, readStartupParams, setStatementOf } from './startup-params.ts'

const refused = (fn: () => unknown, sqlstate: string) =>
  assert.throws(fn, (e: unknown) => e instanceof PgError && e.fields.code === sqlstate && e.fatal)

test('reads user, database (defaulting to user) and settings', () => {
  const p = readStartupParams(new Map([['user', 'cursor'], ['database', 'prod-db'], ['application_name', 'psql'], ['client_encoding', 'UTF8']]))
  assert.is(p.user, 'cursor')
  assert.is(p.database, 'prod-db')
  assert.equal(p.settings, [{ name: 'application_name', value: 'psql' }, { name: 'client_encoding', value: 'UTF8' }])
  assert.is(readStartupParams(new Map([['user', 'demo']])).database, 'demo')
})

test('parses -c settings from options, with escapes and the --name form', () => {
  assert.equal(parseOptions('-c search_path=app  -cstatement_timeout=5s --lock-timeout=1s -c application_name=my\\ app'), [
    { name: 'search_path', value: 'app' },
    { name: 'statement_timeout', value: '5s' },
    { name: 'lock_timeout', value: '1s' },
    { name: 'application_name', value: 'my app' },
  ])
})

test('refuses other switches, malformed settings and odd names', () => {
  refused(() => parseOptions('-D /tmp'), '42501')
  refused(() => parseOptions('-c'), '42501')
  refused(() => parseOptions('-c =x'), '42501')
  refused(() => readStartupParams(new Map([['user', 'u'], ['bad name;', 'x']])), '42501')
})

test('refuses replication connections but not replication=false', () => {
  refused(() => readStartupParams(new Map([['user', 'u'], ['replication', 'database']])), '42501')
  refused(() => readStartupParams(new Map([['user', 'u'], ['replication', 'true']])), '42501')
  assert.is(readStartupParams(new Map([['user', 'u'], ['replication', 'false']])).user, 'u')
})

test('refuses a missing user with 28000 and collects protocol options', () => {
  refused(() => readStartupParams(new Map([['database', 'x']])), '28000')
  assert.equal(readStartupParams(new Map([['user', 'u'], ['_pq_.compression', 'on']])).protocolOptions, ['_pq_.compression'])
})

test('turns settings into SET statements with quoted values', () => {
  assert.is(setStatementOf({ name: 'application_name', value: "it's" }), "SET application_name TO 'it''s'")
})

test.run()
