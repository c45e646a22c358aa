import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { McpError } from './errors.ts'
import { createSseParser, formatSseEvent } from './sse.ts'

test('events: fields, multi-line data, comments, and any line ending', () => {
  const p = createSseParser()
  const events = p.push(': keep-alive\n\nevent: message\r\nid: 7\rdata: {"a":\ndata: 1}\n\n')
  assert.equal(events, [{ data: '', comments: [' keep-alive'] }, { event: 'message', id: '7', data: '{"a":\n1}' }])
})

test('chunking does not matter, including a CRLF split between chunks', () => {
  const text = 'event: message\r\ndata: {"x":"y"}\r\n\r\nid: 2\r\ndata: z\r\n\r\n'
  const whole = createSseParser().push(text)
  for (let cut = 1; cut < text.length; cut++) {
    const p = createSseParser()
    const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()]
    assert.equal(got, whole, `cut at ${cut}`)
  }
})

test('an unterminated last event is dispatched at the end', () => {
  const p = createSseParser()
  assert.equal(p.push('data: last'), [])
  assert.equal(p.end(), [{ data: 'last' }])
})

test('an event larger than the bound is an error with a stable code', () => {
  const p = createSseParser(16)
  try {
    p.push(`data: ${'x'.repeat(40)}\n`)
    assert.unreachable()
  } catch (err) {
    assert.instance(err, McpError)
    assert.is((err as McpError).code, 'mcp.sse_malformed')
  }
})

test('format then parse gives the same event', () => {
  const e = { event: 'message', id: 'a', retry: '10', data: 'one\ntwo', comments: ['c'] }
  assert.equal(createSseParser().push(formatSseEvent(e)), [e])
  assert.is(formatSseEvent({ data: '', comments: [''] }), ':\n\n')
})

test.run()
