import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { canonicalJson, GENESIS_HASH, linkBatch, nextRecord, recordHash } from './record.ts'

test('canonical JSON sorts keys at every depth and has no whitespace (RFC 8785)', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }), '{"a":{"c":null,"d":[1,"x"]},"b":1}')
  assert.is(canonicalJson({ n: 1e21, f: 0.1 }), '{"f":0.1,"n":1e+21}')
})

test('the hash is sha256 over canonical {event, prev_hash, seq, time}', () => {
  const r = nextRecord({ seq: 0, hash: GENESIS_HASH }, { type: 'statement', b: 2, a: 1 }, '2026-01-01T00:00:00.000Z')
  const expected = createHash('sha256').update(`{"event":{"a":1,"b":2,"type":"statement"},"prev_hash":"${GENESIS_HASH}","seq":1,"time":"2026-01-01T00:00:00.000Z"}`).digest('hex')
  assert.equal([r.seq, r.prev_hash, r.hash], [1, GENESIS_HASH, expected])
  assert.is(recordHash({ ...r, event: { b: 2, a: 1, type: 'statement' } }), expected, 'key order does not matter')
  assert.is.not(recordHash({ ...r, seq: 2 }), expected)
})

test('linkBatch chains each record to the one before', () => {
  const rs = linkBatch({ seq: 7, hash: 'a'.repeat(64) }, [{ event: { i: 1 }, time: 't1' }, { event: { i: 2 }, time: 't2' }])
  assert.equal(rs.map((r) => r.seq), [8, 9])
  assert.is(rs[0]!.prev_hash, 'a'.repeat(64))
  assert.is(rs[1]!.prev_hash, rs[0]!.hash)
})

test.run()
