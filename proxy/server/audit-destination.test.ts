import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditDestinationError, openAuditOutput } from './audit-destination.ts'

const root = mkdtempSync(join(tmpdir(), 'warden-audit-out-'))

test('a file destination is created 0600 with its directory, appended to, and holds every event after close', async () => {
  const file = join(root, 'logs', 'audit.jsonl')
  const first = openAuditOutput(file)
  first.sink.record({ type: 'approval', time: '2025-01-01T00:00:00.000Z', approval_id: 'apr_1' })
  await first.close()
  await first.close()
  const second = openAuditOutput(file)
  second.sink.record({ type: 'approval', time: '2025-01-01T00:00:01.000Z', approval_id: 'apr_2' })
  await second.close()
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.map((l) => l.approval_id), ['apr_1', 'apr_2'])
  assert.is(statSync(file).mode & 0o077, 0)
})

test('an unwritable destination fails at open with a coded error', () => {
  writeFileSync(join(root, 'a-file'), '')
  try {
    openAuditOutput(join(root, 'a-file', 'audit.jsonl'))
    assert.unreachable('opened')
  } catch (err) {
    assert.instance(err, AuditDestinationError)
    assert.is((err as AuditDestinationError).code, 'audit.destination')
    assert.match((err as Error).message, 'audit.destination')
  }
})

test.after(() => rmSync(root, { recursive: true, force: true }))
test.run()
