// Certificate serials must be minimal positive DER integers: Go's x509 (kubectl) refuses any other encoding.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { serial } from './ca.ts'

test('serials are 16 bytes, positive, with no leading zero byte to drop', () => {
  for (let i = 0; i < 2000; i++) {
    const s = serial()
    assert.match(s, /^[0-9a-f]{32}$/)
    const first = parseInt(s.slice(0, 2), 16)
    assert.ok(first >= 0x40 && first < 0x80, s)
  }
})

test.run()
