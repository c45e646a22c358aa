// readAll: the whole body of an upstream response, or a rejection that says why it could not be read whole.
import { PassThrough, Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deepFreeze } from '../../engine/deep-freeze.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { bodyMasks, maskWholeBody, readAll } from './mask-response.ts'
import type { UpstreamResponse } from './upstream.ts'

/** The rejection of `p` (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

const response = (stream: Readable) => Object.assign(stream, { statusCode: 200, headers: {} }) as UpstreamResponse

test('every chunk, in order; `first` sees the first one', async () => {
  const seen: string[] = []
  const body = await readAll(response(Readable.from([Buffer.from('{"a":'), Buffer.from('1'), Buffer.from('}')])), (c) => seen.push(c.toString()))
  assert.is(body.toString(), '{"a":1}')
  assert.equal(seen, ['{"a":'])
})

test('`first` throwing stops the read, destroys the stream and rejects with its error', async () => {
  const stream = new PassThrough()
  stream.write('\u0000binary')
  const read = readAll(response(stream), () => { throw new Error('binary refused') })
  assert.is((await rejection(read)).message, 'binary refused')
  assert.ok(stream.destroyed)
})

test('a stream that fails rejects with its error; one that closes before its end rejects as a premature close', async () => {
  const failing = new PassThrough()
  const a = readAll(response(failing))
  failing.write('part')
  failing.destroy(new Error('upstream reset'))
  assert.is((await rejection(a)).message, 'upstream reset')
  const cut = new PassThrough()
  const b = readAll(response(cut))
  cut.write('part')
  cut.destroy()
  assert.is((await rejection(b)).code, 'ERR_STREAM_PREMATURE_CLOSE')
  const gone = new PassThrough()
  gone.destroy()
  assert.is((await rejection(readAll(response(gone)))).code, 'ERR_STREAM_PREMATURE_CLOSE')
})

test('a finished read leaves no listener of its own on the stream but the one that swallows late errors', async () => {
  const stream = response(Readable.from([Buffer.from('{}')]))
  await readAll(stream)
  assert.equal(['data', 'end', 'close'].map((e) => stream.listenerCount(e)), [0, 0, 0])
  assert.is(stream.listenerCount('error'), 1)
})

const KEY = new Uint8Array(32).fill(3)
const DOC = { a: 'alpha-value', b: 'beta-value', c: 'jane@example.com' }
async function masked(obligations: MaskObligation[]): Promise<Record<string, string>> {
  const res = Object.assign(Readable.from([Buffer.from(JSON.stringify(DOC))]), { statusCode: 200, headers: { 'content-type': 'application/json' } }) as UpstreamResponse
  const out = await maskWholeBody(res, bodyMasks(obligations), KEY)
  return JSON.parse(Buffer.from(out.body as Uint8Array).toString())
}

test('obligations that can change are read afresh for every response; a frozen list masks exactly as a fresh copy', async () => {
  const list: MaskObligation[] = [{ path: 'a', strategy: 'redact' }]
  const first = await masked(list)
  assert.is.not(first.a, DOC.a)
  assert.is(first.b, DOC.b)
  list.push({ path: 'b', strategy: 'redact' })
  assert.is.not((await masked(list)).b, DOC.b, 'the list grew: its new rule applies')

  const obligation: MaskObligation = { path: 'a', strategy: 'redact' }
  const frozenList = Object.freeze([obligation]) as MaskObligation[]
  assert.is.not((await masked(frozenList)).a, DOC.a)
  obligation.path = 'b'
  const changed = await masked(frozenList)
  assert.equal([changed.a, changed.b === DOC.b], [DOC.a, false], 'a frozen list of obligations that can still change is read again')

  const cached = deepFreeze([{ path: 'a', strategy: 'hash' }, { detector: 'email' }, { rule: 'no-op' }] as MaskObligation[])
  assert.ok(bodyMasks(cached) === bodyMasks(cached), 'one body-mask list per cached decision')
  assert.equal(bodyMasks(cached), [{ path: 'a', strategy: 'hash' }, { detector: 'email' }])
  assert.equal(await masked(cached), await masked(JSON.parse(JSON.stringify(cached))))
  assert.equal(await masked(cached), await masked(cached))
})

test.run()
