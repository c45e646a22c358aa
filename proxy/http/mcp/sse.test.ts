import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { McpError } from './errors.ts'
import { createSseParser, formatSseEvent } from './sse.ts'
import { cpuTimed } from '../../../engine/testing/cpu-time.ts'

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

test('a long line arriving in many small chunks is read in time linear in its length', () => {
  // Before: every chunk scanned the line again from its start; 6 MB in 16 KB chunks took ~19 s, 1.5 MB ~1 s.
  const timed = (bytes: number) => {
    const p = createSseParser()
    const line = `data: ${'x'.repeat(bytes)}`
    return cpuTimed(() => {
      for (let i = 0; i < line.length; i += 16 * 1024) assert.equal(p.push(line.slice(i, i + 16 * 1024)), [])
      const [e] = p.push('\r\n\n')
      assert.is(e!.data.length, bytes)
    }).cpuMs
  }
  timed(256 * 1024)
  const small = Math.min(timed(1.5 * 1024 * 1024), timed(1.5 * 1024 * 1024))
  const large = Math.min(timed(6 * 1024 * 1024), timed(6 * 1024 * 1024))
  assert.ok(large < 8 * small + 50, `6 MB took ${large.toFixed(0)} ms, 1.5 MB ${small.toFixed(0)} ms of CPU`)
  // Split anywhere, a line's end (\r\n across two chunks too) still ends it.
  const p = createSseParser()
  assert.equal([...p.push('data: a'), ...p.push('b\r'), ...p.push('\ndata: c\r'), ...p.push('\n'), ...p.push('\n')], [{ data: 'ab\nc' }])
})

test.run()
