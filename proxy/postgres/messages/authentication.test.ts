import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { type Authentication, decodeAuthentication, encodeAuthentication } from './authentication.ts'

test('round-trips every request kind', () => {
  const all: Authentication[] = [
    { kind: 'ok' },
    { kind: 'cleartext' },
    { kind: 'md5', salt: Buffer.from([1, 2, 3, 4]) },
    { kind: 'sasl', mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] },
    { kind: 'sasl-continue', data: Buffer.from('r=abc,s=c2FsdA==,i=4096') },
    { kind: 'sasl-final', data: Buffer.from('v=sig') },
    { kind: 'other', code: 7 },
  ]
  for (const m of all) assert.equal(decodeAuthentication(payloadOf(encodeAuthentication(m), 'R')), m)
})

test('rejects a truncated md5 salt', () => {
  assert.throws(() => decodeAuthentication(Buffer.from([0, 0, 0, 5, 1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
