import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { AuditError } from '../../engine/audit/errors.ts'
import { createCheckpointFileExporter, readCheckpointFile } from './checkpoint-file.ts'

const cp = (seq: number) => ({ seq, hash: 'ab'.repeat(32), time: '2026-01-01T00:00:00.000Z', key_id: '0123456789abcdef', signature: 'c2ln' })

test('checkpoints are appended one JSON line each and read back', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'warden-cp-')), 'checkpoints.jsonl')
  writeFileSync(file, `${JSON.stringify(cp(1))}\n`)
  const out = createCheckpointFileExporter(file)
  out.export(cp(2))
  out.export(cp(3))
  assert.equal(readCheckpointFile(file), [cp(1), cp(2), cp(3)])
})

test('an unwritable path is reported, not thrown; a bad line is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cp-'))
  const errors: AuditError[] = []
  createCheckpointFileExporter(join(dir, 'no', 'such', 'dir.jsonl'), (e) => errors.push(e)).export(cp(1))
  assert.match(errors[0]!.message, 'check audit.checkpoints.file')
  const bad = join(dir, 'bad.jsonl')
  writeFileSync(bad, `${JSON.stringify(cp(1))}\n{"seq":2}\n`)
  assert.throws(() => readCheckpointFile(bad), /bad\.jsonl:2: not a checkpoint/)
})

test.run()
