import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { compileGlob } from './glob.ts'

test('* matches any run of characters, case-insensitively; everything else is literal', () => {
  assert.ok(compileGlob('*email*').test('Work_EMAIL_address'))
  assert.ok(compileGlob('users.e*').test('USERS.email'))
  assert.not.ok(compileGlob('users.e*').test('usersXemail'))
  assert.not.ok(compileGlob('a+b').test('aab'))
  assert.ok(compileGlob('a\nb*').test('a\nbc'))
})

test('a pattern is compiled once; the shared RegExp keeps no state between tests', () => {
  const re = compileGlob('*card*')
  assert.is(compileGlob('*card*'), re)
  assert.is(re.global || re.sticky, false)
  for (let i = 0; i < 3; i++) assert.ok(re.test('card_number'))
})

test.run()
