// Generators of hostile client input for the fuzz test: random bytes, truncated frames, absurd lengths, and
// well-formed-looking frames with garbage inside. Seeded, so a failure can be replayed with the same seed.
import { encodeBind } from '../messages/bind.ts'
import { encodeCancelRequest } from '../messages/cancel-request.ts'
import { encodeClose } from '../messages/close.ts'
import { encodeCopyData } from '../messages/copy-data.ts'
import { encodeCopyDone } from '../messages/copy-done.ts'
import { encodeDescribe } from '../messages/describe.ts'
import { encodeExecute } from '../messages/execute.ts'
import { encodeFlush } from '../messages/flush.ts'
import { encodeFunctionCall } from '../messages/function-call.ts'
import { encodeParse } from '../messages/parse.ts'
import { encodeQuery } from '../messages/query.ts'
import { encodeSslRequest } from '../messages/ssl-request.ts'
import { encodeStartupMessage } from '../messages/startup-message.ts'
import { encodeSync } from '../messages/sync.ts'

/** mulberry32: small, fast, good enough to drive a fuzzer. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Fuzz {
  constructor(readonly next: () => number) {}

  int(max: number): number {
    return Math.floor(this.next() * max)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }

  /** Messages a real client sends, for mutation. */
  validFrame(): Buffer {
    const text = this.pick(['SELECT 1', 'SELECT id FROM orders', 'BEGIN', 'COMMIT', 'SELECT $1::int', 'DELETE FROM users', 'DROP TABLE users'])
    return this.pick<() => Buffer>([
      () => encodeQuery(text),
      () => encodeParse({ name: this.pick(['', 's1']), text, paramTypes: this.int(2) ? [] : [23] }),
      () => encodeBind({ portal: '', statement: this.pick(['', 's1']), paramFormats: [], params: this.int(2) ? [] : [Buffer.from('1')], resultFormats: [] }),
      () => encodeDescribe({ kind: this.pick(['S', 'P'] as const), name: '' }),
      () => encodeExecute({ portal: '', maxRows: this.int(3) }),
      () => encodeClose({ kind: 'S', name: 's1' }),
      () => encodeSync(),
      () => encodeFlush(),
      () => encodeCopyData(this.bytes(this.int(16))),
      () => encodeCopyDone(),
      () => encodeFunctionCall({ functionOid: this.int(5000), argFormats: [], args: [], resultFormat: 0 }),
    ])()
  }

  /** A frame whose declared length matches its size (so the stream stays in step), with garbage inside. */
  wellFramed(): Buffer {
    switch (this.int(3)) {
      case 0: {
        // random type, random payload
        const payload = this.bytes(this.int(48))
        const f = Buffer.alloc(5 + payload.length)
        f[0] = this.int(2) ? this.pick([...'QPBDESHCFdcfpX'].map((c) => c.charCodeAt(0))) : this.int(256)
        f.writeInt32BE(4 + payload.length, 1)
        payload.copy(f, 5)
        return f
      }
      case 1: {
        // a valid frame with flipped payload bytes (length kept)
        const f = Buffer.from(this.validFrame())
        for (let i = 0, n = 1 + this.int(4); i < n && f.length > 5; i++) f[5 + this.int(f.length - 5)] = this.int(256)
        return f
      }
      default:
        return this.validFrame()
    }
  }

  /** Frames that break the stream itself: truncated, or with lengths that lie. */
  brokenFrame(): Buffer {
    const f = Buffer.from(this.validFrame())
    switch (this.int(4)) {
      case 0:
        return f.subarray(0, 1 + this.int(f.length - 1))
      case 1:
        f.writeInt32BE(0x7fffffff, 1)
        return f
      case 2:
        f.writeInt32BE(-1 - this.int(1000), 1)
        return f
      default:
        f.writeInt32BE(this.int(4), 1)
        return f
    }
  }

  /** Bytes sent before any authentication. */
  preAuth(): Buffer {
    switch (this.int(6)) {
      case 0:
        return this.bytes(1 + this.int(200))
      case 1: {
        const b = Buffer.alloc(8)
        b.writeInt32BE(this.pick([0, 3, 7, 10_001, 0x7fffffff, -5]))
        this.bytes(4).copy(b, 4)
        return b
      }
      case 2:
        return Buffer.concat([encodeSslRequest(), this.bytes(1 + this.int(64))])
      case 3:
        return encodeCancelRequest({ processId: this.int(2 ** 31), secret: this.bytes(4) })
      case 4: {
        const s = Buffer.from(encodeStartupMessage({ protocol: this.pick([196608, 131072, 196610, 1234]), params: new Map([['user', 'x'], ['database', 'prod-db']]) }))
        for (let i = 0; i < 3; i++) s[4 + this.int(s.length - 4)] = this.int(256)
        return s
      }
      default:
        return Buffer.concat([encodeStartupMessage({ protocol: 196608, params: new Map([['user', 'x'], ['database', 'prod-db']]) }), this.bytes(this.int(40))])
    }
  }
}
