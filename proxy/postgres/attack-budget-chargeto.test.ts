// A caller's share of the message budget (message-budget.ts) was checked only on bytes taken after authentication:
// what a session buffered before it (charged to the listener alone, as its caller was not known) was moved into
// the caller's share by FrameSource.chargeTo with no check. A client that pipelines a large message right behind
// its password message has its first bytes buffered while the token is verified (seen end to end over the wire:
// two of one caller's sessions kept 1.5 MiB each against a 2 MiB share, racing the token check), so one caller's
// sessions together held past its quarter. Here the race is taken out: the bytes arrive, then the caller is known.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PassThrough } from 'node:stream'
import { FrameSource } from './frame-source.ts'
import { MessageBudget } from './message-budget.ts'

const MiB = 1024 * 1024

function largeQueryStart(bytes: number): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 'Q'.charCodeAt(0)
  head.writeInt32BE(40 * MiB, 1)
  return Buffer.concat([head, Buffer.alloc(bytes, 'x')])
}

test('bytes buffered before authentication are held to the caller\'s share once the caller is known', () => {
  const budget = new MessageBudget(8 * MiB)
  const refused: Error[] = []
  const sources = Array.from({ length: 3 }, () => {
    const stream = new PassThrough()
    const source = new FrameSource(stream, { typed: true, budget })
    source.onRefused = (err) => refused.push(err)
    stream.emit('data', largeQueryStart(1.5 * MiB))
    return source
  })
  assert.is(budget.bytes, 3 * (1.5 * MiB + 5))
  for (const s of sources) s.chargeTo('issuer\u0000mallory')
  assert.ok(budget.heldBy('issuer\u0000mallory') <= budget.callerLimit, `mallory holds ${budget.heldBy('issuer\u0000mallory')} bytes, past her share of ${budget.callerLimit}`)
  assert.is(refused.length, 2)
  assert.match(refused[0]!.message, "this caller's share")
  for (const s of sources) s.release()
  assert.is(budget.bytes, 0)
  assert.is(budget.heldBy('issuer\u0000mallory'), 0)
})

test.run()
