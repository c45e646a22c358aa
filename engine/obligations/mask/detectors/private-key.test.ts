import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { privateKey } from './private-key.ts'
import { hits } from './test-helpers.ts'

const block = (label: string) => `-----BEGIN ${label}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabc=\n-----END ${label}-----`

test('finds RSA, EC, PKCS#8, encrypted and OpenSSH blocks', () => {
  for (const label of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'PGP PRIVATE KEY BLOCK']) {
    const key = block(label)
    assert.equal(hits(privateKey, `before\n${key}\nafter`), [key], label)
  }
})

test('finds two blocks separately', () => {
  const text = `${block('RSA PRIVATE KEY')}\n--\n${block('EC PRIVATE KEY')}`
  assert.equal(hits(privateKey, text), [block('RSA PRIVATE KEY'), block('EC PRIVATE KEY')])
})

test('masks a truncated block to the end of the text', () => {
  const text = 'x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA'
  assert.equal(hits(privateKey, text), [text.slice(2)])
})

test('masks a block cut above its BEGIN line from the start of the text, or from the block before it', () => {
  const tail = 'kLdpvKnKy8UwPn+o8Xd1Ikqf0U7mD2b==\n-----END RSA PRIVATE KEY-----'
  assert.equal(hits(privateKey, `${tail}\nready`), [tail])
  const whole = block('EC PRIVATE KEY')
  assert.equal(hits(privateKey, `${whole}\nMIIEvQ\n-----END PRIVATE KEY-----\nready`), [whole, '\nMIIEvQ\n-----END PRIVATE KEY-----'])
  assert.equal(hits(privateKey, 'x\n-----END PRIVATE KEY-----\nMIIB\n-----END OPENSSH PRIVATE KEY-----'), ['x\n-----END PRIVATE KEY-----', '\nMIIB\n-----END OPENSSH PRIVATE KEY-----'])
})

test('ignores public keys and certificates', () => {
  const text = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----'
  assert.equal(hits(privateKey, text), [])
})

test.run()
