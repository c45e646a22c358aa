import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PgError, ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeParse, encodeParse } from './parse.ts'

test('round-trips', () => {
  const m = { name: 's1', text: 'SELECT $1::int', paramTypes: [23, 4294967295] }
  assert.equal(decodeParse(payloadOf(encodeParse(m), 'P')), m)
})

test('rejects a parameter count larger than the message', () => {
  const p = Buffer.from(payloadOf(encodeParse({ name: '', text: 'x', paramTypes: [] }), 'P'))
  p.writeInt16BE(1000, p.length - 2)
  assert.throws(() => decodeParse(p), (e: unknown) => e instanceof ProtocolError)
})

const refusedWith = (code: string, text: string) => (e: unknown) => e instanceof PgError && !e.fatal && e.fields.code === code && e.message.includes(text)

test('refuses names over 63 bytes (counted in bytes) as the server would truncate them', () => {
  assert.is(decodeParse(payloadOf(encodeParse({ name: 'n'.repeat(63), text: '', paramTypes: [] }), 'P')).name.length, 63)
  for (const name of ['n'.repeat(64), 'é'.repeat(32)]) {
    assert.throws(() => decodeParse(payloadOf(encodeParse({ name, text: '', paramTypes: [] }), 'P')), refusedWith('42622', 'prepared statement name of 64 bytes'))
  }
})

test('refuses invalid UTF-8 in the name or the text; keeps a leading BOM as the server does', () => {
  const raw = (name: Buffer, text: Buffer) => Buffer.concat([name, Buffer.from([0]), text, Buffer.from([0, 0, 0])])
  assert.throws(() => decodeParse(raw(Buffer.from([0xff]), Buffer.from('SELECT 1'))), refusedWith('22021', 'invalid byte sequence for encoding "UTF8"'))
  assert.throws(() => decodeParse(raw(Buffer.from('s'), Buffer.from([0x53, 0xc3, 0x28]))), refusedWith('22021', 'invalid byte sequence'))
  assert.is(decodeParse(raw(Buffer.from('s'), Buffer.from('\uFEFFSELECT 1'))).text, '\uFEFFSELECT 1')
})

test.run()
