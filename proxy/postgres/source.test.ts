// Who counts as one client for the bound on connections still starting up: an IPv4 address, or an IPv6 /64.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startingSource } from './source.ts'

test('IPv4, and IPv4-mapped IPv6, count as the IPv4 address', () => {
  assert.is(startingSource('127.0.0.1'), '127.0.0.1')
  assert.is(startingSource('::ffff:10.0.0.1'), '10.0.0.1')
  assert.is(startingSource('::FFFF:10.0.0.1'), '10.0.0.1')
})

test('IPv6 counts as its /64, however it is spelled', () => {
  for (const a of ['2001:db8:77::5', '2001:db8:77:0:1:2:3:4', '2001:0db8:0077:0000::', '2001:db8:77:0:0:ffff:1.2.3.4', '2001:db8:77::ffff:1.2.3.4']) assert.is(startingSource(a), '2001:db8:77:0::/64', a)
  assert.is(startingSource('1:2:3:4:5:6:7:8'), '1:2:3:4::/64')
  assert.is(startingSource('fe80::1%eth0'), 'fe80:0:0:0::/64')
  assert.is(startingSource('::1'), '0:0:0:0::/64')
  assert.not.equal(startingSource('2001:db8:77:1::1'), startingSource('2001:db8:77::1'))
})

test.run()
