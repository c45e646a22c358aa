// readAll: the whole body of an upstream response, or a rejection that says why it could not be read whole.
import { PassThrough, Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readAll } from './mask-response.ts'
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

test.run()
