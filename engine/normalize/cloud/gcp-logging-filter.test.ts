import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LogFilterParseError, parseLogFilter } from './gcp-logging-filter.ts'
import { cpuTimed } from '../../testing/cpu-time.ts'

const read = (filter: string) => parseLogFilter(filter).map((r) => [r.field, r.operator, r.value_kind])

test('comparisons on fields: the path as written, the operator, the kind of value', () => {
  assert.equal(read('severity>=ERROR AND resource.type="k8s_container"'), [['severity', '>=', 'text'], ['resource.type', '=', 'string']])
  assert.equal(read('httpRequest.status >= 500 timestamp>="2026-11-30T00:00:00Z"'), [['httpRequest.status', '>=', 'number'], ['timestamp', '>=', 'string']])
  assert.equal(read('resource.labels."k8s-pod/app" = "web"'), [['resource.labels."k8s-pod/app"', '=', 'string']])
  assert.equal(read('NOT textPayload:robot'), [['textPayload', ':', 'text']])
  assert.equal(read('-severity=INFO'), [['severity', '=', 'text']])
  assert.equal(read('labels.x:*'), [['labels.x', ':', 'text']])
  assert.equal(read('(severity=ERROR OR (logName="a" AND trace!="b"))'), [['severity', '=', 'text'], ['logName', '=', 'string'], ['trace', '!=', 'string']])
  assert.equal(read(''), [])
  assert.equal(read('  \n\t'), [])
})

test('a group of values is one restriction of the field each', () => {
  assert.equal(read('resource.type = ("gae_app" OR NOT "gce_instance")'), [['resource.type', '=', 'string'], ['resource.type', '=', 'string']])
})

test('free-text terms (global restrictions) name no field: quoted, unquoted, a bare field name, a value after OR', () => {
  assert.equal(read('"sk_live_Q7"'), [['', ':', 'string']])
  assert.equal(read('sk_live_Q7'), [['', ':', 'text']])
  assert.equal(read('textPayload'), [['', ':', 'text']])
  assert.equal(read('severity=ERROR OR WARNING'), [['severity', '=', 'text'], ['', ':', 'text']])
  assert.equal(read('us-central1-a 500'), [['', ':', 'text'], ['', ':', 'number']])
})

test('regular expressions and functions are read as such', () => {
  assert.equal(read('jsonPayload.x=~"^sk_" textPayload!~"a"'), [['jsonPayload.x', '=~', 'string'], ['textPayload', '!~', 'string']])
  assert.equal(read('log_id("app") AND sample(insertId, 0.1)'), [['', 'log_id()', 'string'], ['insertId', 'sample()', 'number']])
  assert.equal(read('SEARCH(textPayload, "x")'), [['textPayload', 'search()', 'string']])
})

test('each restriction keeps its term as written, cut at 80 characters', () => {
  const [r] = parseLogFilter(`textPayload:"${'a'.repeat(200)}"`)
  assert.is(r!.term, `textPayload:"${'a'.repeat(67)}…`)
  assert.is(parseLogFilter('  "sk_live_Q7"  ')[0]!.term, '"sk_live_Q7"')
})

test('what is not read for certain is a parse error: single quotes, spaces beyond ASCII, comments, odd tokens', () => {
  for (const [filter, says] of [
    ["textPayload:'sk_live'", 'single-quoted'],
    ["'sk_live'", 'single-quoted'],
    ['textPayload\u00a0= "x"', 'U+00A0'],
    ['textPayload\u3000:"x"', 'U+3000'],
    ['textPayload\u2028:"x"', 'U+2028'],
    ['severity\u000b=ERROR', 'U+000B'],
    ['severity=ERROR -- a comment', 'comment'],
    ['--c\nseverity=ERROR', 'comment'],
    ['severity=--c\nERROR', 'comment'],
    ['severity=ERROR a--c', 'comment'],
    ['timestamp>=2026-11-30T00:00:00Z', "':'"],
    ['a-b=c', "'='"],
    ['"x" = y', 'operator after a value'],
    ['textPayload:"open', 'not closed'],
    ['(severity=ERROR', 'not closed'],
    ['severity=ERROR)', "')'"],
    ['severity=', 'unexpected end'],
    ['severity=ERROR"x"', "'\"'"],
    ['jsonPayload.items[0]="x"', "'['"],
    ['log_id("a"', 'not closed'],
    ['log_id("a", textPayload)', 'a field as argument 2 of log_id()'],
    ['sample(insertId, textPayload)', 'a field as argument 2'],
    ['severity = ()', 'empty group'],
    ['()', 'empty expression'],
    ['AND', 'AND'],
    ['severity=ERROR AND', 'missing'],
    [`${'('.repeat(70)}a${')'.repeat(70)}`, 'deeper than 64'],
    // Groups of values nest as expressions do: read recursively, ten thousand levels overflowed the stack (a
    // RangeError, no parse error), and 65 to a few thousand were read where an expression that deep is refused.
    [`severity=${'('.repeat(65)}ERROR${')'.repeat(65)}`, 'deeper than 64'],
    [`severity=${'('.repeat(9990)}ERROR${')'.repeat(9990)}`, 'deeper than 64'],
    [`${'('.repeat(40)}severity=${'('.repeat(25)}ERROR${')'.repeat(65)}`, 'deeper than 64'],
  ] as const) {
    try {
      parseLogFilter(filter)
      assert.unreachable(`${JSON.stringify(filter)} was read`)
    } catch (err) {
      if (!(err instanceof LogFilterParseError)) throw err
      assert.match(err.message, says, `${JSON.stringify(filter)}: ${err.message}`)
      assert.is(err.code, 'log_filter.parse')
    }
  }
})

test('parentheses up to 64 deep are read, in expressions and groups of values together', () => {
  assert.equal(read(`${'('.repeat(32)}severity=${'('.repeat(32)}ERROR${')'.repeat(64)}`), [['severity', '=', 'text']])
})

test('linear in the filter: 20 000 characters of terms read in milliseconds', () => {
  const filter = 'severity>=ERROR AND '.repeat(999) + 'severity>=ERROR'
  const { value: terms, cpuMs } = cpuTimed(() => parseLogFilter(filter))
  assert.is(terms.length, 1000)
  assert.ok(cpuMs < 500, `${cpuMs} ms`)
})

test.run()
