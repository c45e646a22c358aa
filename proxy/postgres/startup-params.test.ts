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
  // client_encoding UTF8 is what the gateway pins anyway: accepted, not forwarded.
  assert.equal(p.settings, [{ name: 'application_name', value: 'psql' }])
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

test('forwards only allowlisted settings, under their canonical names', () => {
  const p = readStartupParams(new Map([['user', 'u'], ['datestyle', 'ISO'], ['TimeZone', 'UTC'], ['extra_float_digits', '3'], ['options', '-c statement_timeout=5s --lock-timeout=1s']]))
  assert.equal(p.settings, [
    { name: 'DateStyle', value: 'ISO' },
    { name: 'TimeZone', value: 'UTC' },
    { name: 'extra_float_digits', value: '3' },
    { name: 'statement_timeout', value: '5s' },
    { name: 'lock_timeout', value: '1s' },
  ])
})

test('accepts UTF8 spellings, SQL_ASCII and auto as client_encoding; refuses every other encoding', () => {
  for (const v of ['UTF8', 'utf-8', 'Unicode', 'SQL_ASCII', 'auto']) {
    assert.equal(readStartupParams(new Map([['user', 'u'], ['client_encoding', v]])).settings, [], v)
  }
  for (const v of ['SJIS', 'BIG5', 'GBK', 'GB18030', 'JOHAB', 'LATIN1']) {
    assert.throws(() => readStartupParams(new Map([['user', 'u'], ['client_encoding', v]])), (e: unknown) => e instanceof PgError && e.fatal && e.message.includes(`client encoding "${v}" is not supported`))
    assert.throws(() => readStartupParams(new Map([['user', 'u'], ['options', `--client_encoding=${v}`]])), (e: unknown) => e instanceof PgError && e.fatal)
  }
})

test('refuses pinned settings with other values, database and user overrides, and unknown parameters, by name', () => {
  const refusedNaming = (params: [string, string][], text: string) =>
    assert.throws(() => readStartupParams(new Map([['user', 'u'], ...params])), (e: unknown) => e instanceof PgError && e.fatal && e.fields.code === '42501' && e.message.includes(text) && !!e.fields.hint)
  refusedNaming([['options', '-c standard_conforming_strings=off']], 'standard_conforming_strings is pinned to on')
  refusedNaming([['standard_conforming_strings', 'off']], 'standard_conforming_strings is pinned to on')
  refusedNaming([['options', '-c backslash_quote=on']], 'backslash_quote is pinned')
  refusedNaming([['options', '-c database=other']], 'set by the gateway configuration')
  refusedNaming([['options', '--user=postgres']], 'set by the gateway configuration')
  refusedNaming([['options', '-c session_authorization=postgres']], 'set by the gateway configuration')
  refusedNaming([['geqo', 'off']], 'geqo is not a startup parameter the gateway accepts')
  refusedNaming([['options', '-c log_statement=none']], 'log_statement is not a startup parameter')
  refusedNaming([['application_name', 'a'], ['options', '-c application_name=b']], 'given more than once')
  // The pinned value itself is harmless.
  assert.equal(readStartupParams(new Map([['user', 'u'], ['options', '-c standard_conforming_strings=on']])).settings, [])
})

test('turns settings into SET statements with quoted values', () => {
  assert.is(setStatementOf({ name: 'application_name', value: "it's" }), "SET application_name TO 'it''s'")
})

test.run()
