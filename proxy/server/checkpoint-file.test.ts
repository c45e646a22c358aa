import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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
  assert.equal(readCheckpointFile(file), { checkpoints: [cp(1), cp(2), cp(3)], torn: [] })
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

test('a line torn by a crash (cut short, or zero bytes where a power cut lost it) loses no later checkpoint: the gateway starts a new line after it, and the reader names it and reads on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cp-'))
  for (const torn of [JSON.stringify(cp(2)).slice(0, 25), '\u0000'.repeat(40)]) {
    const file = join(dir, `torn-${torn.length}.jsonl`)
    writeFileSync(file, `${JSON.stringify(cp(1))}\n${torn}`)
    const out = createCheckpointFileExporter(file)
    out.export(cp(3))
    assert.is(readFileSync(file, 'utf8'), `${JSON.stringify(cp(1))}\n${torn}\n${JSON.stringify(cp(3))}\n`, 'the next checkpoint is on a line of its own')
    assert.equal(readCheckpointFile(file), { checkpoints: [cp(1), cp(3)], torn: [2] })
  }
  // A torn line written again later (the exporter restarted after another crash) is one more torn line, no worse.
  const file = join(dir, 'twice.jsonl')
  writeFileSync(file, `${JSON.stringify(cp(1)).slice(0, 10)}`)
  createCheckpointFileExporter(file).export(cp(2))
  appendFileSync(file, JSON.stringify(cp(3)).slice(0, 30))
  createCheckpointFileExporter(file).export(cp(4))
  assert.equal(readCheckpointFile(file), { checkpoints: [cp(2), cp(4)], torn: [1, 3] })
})

test.run()
