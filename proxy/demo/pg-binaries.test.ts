import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { findPostgresBinaries } from './pg-binaries.ts'

test('finds the installed server binaries and their version', () => {
  const found = findPostgresBinaries({ PATH: process.env.PATH })
  assert.ok(found, 'no PostgreSQL server binaries on this machine; npm test installs them')
  assert.ok(found!.major >= 10)
  assert.match(found!.version, /^\d+(\.\d+)?$/)
  assert.equal(findPostgresBinaries({ PG_BIN: found!.bin }), found)
})

test('PG_BIN, when set, is the only place looked at', () => {
  assert.is(findPostgresBinaries({ PG_BIN: '/nonexistent/bin', PATH: process.env.PATH }), undefined)
})

test.run()
