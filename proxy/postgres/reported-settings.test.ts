import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlStatement } from '../../engine/types.ts'
import type { StatementRun } from './pending.ts'
import { ReportedSettings } from './reported-settings.ts'

/** A run of statements with only what the check reads: their type, setting name and the values a SET writes. */
const run = (...statements: ([string, string] | [string, string, string])[]) =>
  ({ verdict: { judgement: { input: { command: { sql: { statements: statements.map(([type, name, value]) => ({ type, detail: { name, values: value === undefined ? [] : [value] } }) as unknown as SqlStatement) } } } } } }) as unknown as StatementRun

test('a value reported before (at startup or since) is known; a new one only when a judged SET or RESET of it ran', () => {
  const s = new ReportedSettings(new Map([['application_name', 'psql'], ['TimeZone', 'Etc/UTC']]))
  assert.ok(s.known('application_name', 'psql'))
  assert.ok(s.known('timezone', 'Etc/UTC'), 'names compare without case')
  assert.not.ok(s.known('application_name', 'Marzipan-Quokka-5113'))
  assert.not.ok(s.known('application_name', 'x', run(['select', ''])))
  assert.not.ok(s.known('application_name', 'x', run(['set', 'timezone'])), 'a SET of another setting')
  assert.ok(s.known('application_name', 'x', run(['set', 'application_name'])))
  assert.ok(s.known('TimeZone', '<-05>+05', run(['begin', ''], ['set', 'timezone'])))
  assert.ok(s.known('application_name', '', run(['reset', 'application_name'])))
  assert.ok(s.known('session_authorization', 'bob', run(['set_role', 'session_authorization'])))
  s.note('application_name', 'x')
  assert.ok(s.known('application_name', 'x'), 'noted once reported')
})

test('a SET answered since the last ReadyForQuery vouches for its setting until the next one', () => {
  const s = new ReportedSettings(new Map([['application_name', 'psql']]))
  s.answered(run(['set', 'application_name', 'batch 7']))
  s.answered(run(['select', '']))
  assert.ok(s.known('application_name', 'batch 7'))
  s.ready()
  assert.not.ok(s.known('application_name', 'batch 8'))
})

test('settings of a few fixed words or numbers are not checked; unknown names are', () => {
  const s = new ReportedSettings(new Map())
  for (const [name, value] of [['DateStyle', 'German, DMY'], ['IntervalStyle', 'iso_8601'], ['is_superuser', 'on'], ['in_hot_standby', 'off'], ['server_version', '15.8']]) {
    assert.ok(s.known(name!, value!), name)
  }
  assert.not.ok(s.known('session_authorization', 'someone'))
  assert.not.ok(s.known('some_extension.reported', 'v'))
})

test('with a function or trigger possibly run since the last ReadyForQuery, a SET vouches only for the value it wrote', () => {
  const s = new ReportedSettings(new Map([['application_name', 'psql'], ['TimeZone', 'Etc/UTC']]))
  const both = run(['set', 'application_name', 'x'], ['select', ''])
  assert.not.ok(s.known('application_name', 'Tangerine!Vortex#7782', both), 'SET then SELECT f() in one simple query')
  assert.ok(s.known('application_name', 'x', both))
  assert.ok(s.known('application_name', 'caf??', run(['set', 'application_name', 'café'], ['update', ''])), 'as the server cleans it')
  for (const [literal, reported] of [['utc', 'UTC'], ['america/new_york', 'America/New_York'], ['-7', '<-07>+07'], ['5.5', '<+05:30>-05:30'], ['0', '<+00>-00'], ['-3.25', '<-03:15>+03:15'], ['+3', '<+03>-03'], ['<abc>+3', '<ABC>+3']]) {
    assert.ok(s.known('TimeZone', reported!, run(['set', 'timezone', literal!], ['select', ''])), `SET TIME ZONE ${literal} is reported as ${reported}`)
  }
  assert.not.ok(s.known('TimeZone', '<-08>+08', run(['set', 'timezone', '-7'], ['select', ''])))
  assert.not.ok(s.known('timezone', '<secret>+3', run(['set', 'timezone', 'UTC'], ['commit', ''])), 'COMMIT fires deferred triggers')
  assert.not.ok(s.known('timezone', '<secret>+3', run(['set', 'timezone', 'UTC'], ['set', 'constraints', 'immediate'])), 'so does SET CONSTRAINTS')
  s.answered(run(['set', 'application_name', 'x']))
  assert.ok(s.known('application_name', 'anything'), 'a pipeline of SETs alone')
  s.answered(run(['select', '']))
  assert.not.ok(s.known('application_name', 'Tangerine!Vortex#7782'), 'a pipeline: SET, then SELECT f(), then Sync')
  assert.ok(s.known('application_name', 'x'))
  s.ready()
  s.answered(run(['select', '']))
  assert.ok(s.known('application_name', 'psql'), 'a value reported before')
})

test('values reported since startup are kept up to a bound, the most recent; the startup value always', () => {
  const s = new ReportedSettings(new Map([['application_name', 'psql']]))
  for (let i = 0; i < 100_000; i++) s.note('application_name', `request ${i}`)
  assert.ok(s.known('application_name', 'psql'), 'RESET returns to it at any time')
  assert.ok(s.known('application_name', 'request 99999'))
  assert.ok(s.known('application_name', 'request 99800'))
  assert.not.ok(s.known('application_name', 'request 0'), 'long gone: unknown again (fails closed)')
  s.note('application_name', 'request 99800')
  for (let i = 0; i < 255; i++) s.note('application_name', `again ${i}`)
  assert.ok(s.known('application_name', 'request 99800'), 'reported again, it is kept as the most recent')
})

test.run()
