import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { unixSocketPath } from './unix-socket.ts'

test('a host starting with / is a socket directory; the port names the file in it', () => {
  assert.is(unixSocketPath({ host: '/run/pg', port: 5432 }), '/run/pg/.s.PGSQL.5432')
  assert.is(unixSocketPath({ host: '/run/pg/', port: 6000 }), '/run/pg/.s.PGSQL.6000')
})

test('host names and addresses stay TCP', () => {
  assert.is(unixSocketPath({ host: '127.0.0.1', port: 5432 }), undefined)
  assert.is(unixSocketPath({ host: 'db.internal', port: 5432 }), undefined)
  assert.is(unixSocketPath({ host: '::1', port: 5432 }), undefined)
})

test.run()
