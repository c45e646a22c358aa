import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { email } from './email.ts'
import { hits } from './test-helpers.ts'

test('finds addresses inside text, without trailing punctuation', () => {
  assert.equal(hits(email, 'mail jane.doe+tag@example.co.uk or bob@mail.example.com.'), [
    'jane.doe+tag@example.co.uk',
    'bob@mail.example.com',
  ])
  assert.equal(hits(email, '<ops_team@corp-mail.io>'), ['ops_team@corp-mail.io'])
})

test('ignores near misses', () => {
  for (const text of ['user@localhost', 'a@b.c', '@example.com', 'foo@bar..com', 'pkg@1.2.3', 'a..b@example.com', 'x@-bad.com']) {
    assert.equal(hits(email, text), [], text)
  }
})

test('canonical form is lower case', () => {
  assert.is(email.canonical!('Jane@Example.COM'), 'jane@example.com')
})

test.run()
