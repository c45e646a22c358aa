// A trail cut while the gateway was down: the gateway does not start appending onto it. Records cut off the end
// of the store (with the checkpoints stored beside them, or the whole file deleted) leave a signed checkpoint,
// kept outside the store or missed by the cutter, past the store's last record; appending there would reuse the
// cut sequence numbers and bury the cut under new records. Real SQLite trail, written by the gateway's wiring.
import { generateKeyPairSync } from 'node:crypto'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner } from '../../engine/audit/chain/checkpoint.ts'
import type { AuditEvent } from '../../engine/audit/types.ts'
import { parseConfig } from '../../engine/config/index.ts'
import { openAuditTrail } from './audit-trail.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-trail-start-'))
const exported = join(dir, 'exported.jsonl')
const trailFile = join(dir, 'state', 'audit', 'trail.db')
const log = pino({ level: 'silent' })

async function config(withFile: boolean) {
  return parseConfig({
    state_dir: join(dir, 'state'),
    identity: { providers: [{ name: 'dev', issuer: 'warden-dev', audience: 'warden', dev: true }] },
    targets: [{ name: 'demo', kind: 'postgres', environment: 'production', embedded: true }],
    audit: { destination: 'off', checkpoints: { every_records: 4, ...(withFile ? { file: exported } : {}) } },
  })
}

const event = (i: number): AuditEvent => ({ type: 'statement', time: new Date().toISOString(), session_id: 's', protocol: 'postgres', target: 'demo', statement: `SELECT ${i}`, fingerprint: 'fp', decision: 'allow', reasons: [], effect: 'allow', rows: 0, masked: 0 } as AuditEvent)

/** A fresh trail of `n` records written through the gateway's wiring, checkpointed every 4 and at close. */
async function writeTrail(withFile: boolean, n = 8) {
  rmSync(join(dir, 'state'), { recursive: true, force: true })
  rmSync(exported, { force: true })
  const trail = await openAuditTrail(await config(withFile), { log, env: {} })
  for (let i = 0; i < n; i++) trail.sink.record(event(i))
  await trail.sink.durable!()
  await trail.close()
}

function tamper(sql: string): void {
  const db = new Database(trailFile)
  for (const t of ['warden_audit_records_no_update', 'warden_audit_records_no_delete', 'warden_audit_checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`)
  db.exec(sql)
  db.close()
}

async function opens(withFile: boolean): Promise<Error | undefined> {
  try {
    const trail = await openAuditTrail(await config(withFile), { log, env: {} })
    trail.sink.record(event(99))
    await trail.sink.durable!()
    await trail.close()
    return undefined
  } catch (err) {
    return err as Error
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('a gateway restarted on an intact trail starts and appends (the control)', async () => {
  await writeTrail(true)
  assert.is(await opens(true), undefined)
  assert.is(await opens(false), undefined)
})

test('records cut off the end with their stored checkpoints (and VACUUM): the exported checkpoint past the end stops the start', async () => {
  await writeTrail(true)
  tamper(`DELETE FROM warden_audit_records WHERE seq > 5; DELETE FROM warden_audit_checkpoints WHERE seq > 5; VACUUM`)
  const err = await opens(true)
  assert.ok(err, 'the gateway refused to start')
  assert.is((err as { code?: string }).code, 'audit.trail_cut')
  assert.match(err.message, /the audit trail ends at record 5, but checkpoint 8 signed at 20[-\d]+T[\d:.]+Z by key [0-9a-f]{16} in \S*exported\.jsonl \(audit\.checkpoints\.file\) covers records up to 8: records 6…8 were cut off/)
  assert.match(err.message, 'warden audit verify')
  const db = new Database(trailFile, { readonly: true })
  assert.is((db.prepare('SELECT max(seq) AS n FROM warden_audit_records').get() as { n: number }).n, 5, 'nothing was appended onto the cut trail')
  db.close()
})

test('the trail file deleted whole while the exported checkpoints remain: the start is refused', async () => {
  await writeTrail(true)
  rmSync(join(dir, 'state', 'audit', 'trail.db'))
  rmSync(join(dir, 'state', 'audit', 'trail.db-wal'), { force: true })
  const err = await opens(true)
  assert.match(err?.message ?? '', /the audit trail ends at record 0, but checkpoint 8 /)
})

test('records cut off without their stored checkpoints, no file configured: the stored checkpoint stops the start', async () => {
  await writeTrail(false)
  tamper(`DELETE FROM warden_audit_records WHERE seq > 6`)
  const err = await opens(false)
  assert.match(err?.message ?? '', /the audit trail ends at record 6, but checkpoint 8 .* in the audit store/)
})

test('a line that is not a checkpoint appended to the exported file does not hide the checkpoint past the end', async () => {
  await writeTrail(true)
  tamper(`DELETE FROM warden_audit_records WHERE seq > 5; DELETE FROM warden_audit_checkpoints WHERE seq > 5`)
  appendFileSync(exported, `${JSON.stringify({ note: 'rotated' })}\n`)
  const err = await opens(true)
  assert.is((err as { code?: string } | undefined)?.code, 'audit.trail_cut')
  assert.match(err!.message, /the audit trail ends at record 5, but checkpoint 8 /)
})

test('records cut off and the signing key pair replaced in the state directory: the exported checkpoint under the old key stops the start', async () => {
  await writeTrail(true)
  tamper(`DELETE FROM warden_audit_records WHERE seq > 5; DELETE FROM warden_audit_checkpoints WHERE seq > 5; VACUUM`)
  rmSync(join(dir, 'state', 'audit', 'signing-key.pem'))
  rmSync(join(dir, 'state', 'audit', 'signing-key.pub.pem'))
  const err = await opens(true)
  assert.is((err as { code?: string } | undefined)?.code, 'audit.trail_cut')
  assert.match(err!.message, /the audit trail ends at record 5, but checkpoint 8 .* under key [0-9a-f]{16}, which this gateway \(key [0-9a-f]{16}\) does not trust: the signing key was replaced/)
  assert.match(err!.message, 'audit.checkpoints.trusted_keys')
  const db = new Database(trailFile, { readonly: true })
  assert.is((db.prepare('SELECT max(seq) AS n FROM warden_audit_records').get() as { n: number }).n, 5, 'nothing was appended onto the cut trail')
  db.close()
})

test('a checkpoint past the end under a key nobody trusts: in the exported file it stops the start; written into the store it does not (verify names it forged)', async () => {
  await writeTrail(true)
  const stranger = createCheckpointSigner(generateKeyPairSync('ed25519').privateKey)
  const foreign = stranger.sign({ seq: 999, hash: 'ab'.repeat(32) }, new Date().toISOString())
  tamper(`INSERT INTO warden_audit_checkpoints (seq, hash, time, key_id, signature) VALUES (${foreign.seq}, '${foreign.hash}', '${foreign.time}', '${foreign.key_id}', '${foreign.signature}')`)
  assert.is(await opens(true), undefined)
  appendFileSync(exported, `${JSON.stringify(foreign)}\n`)
  assert.match((await opens(true))?.message ?? '', /checkpoint 999 .* which this gateway .* does not trust/)
})

test.run()
