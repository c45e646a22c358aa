// Vendor API tokens in PostgreSQL results under the default policy's content detectors, written as the server
// writes them and a client reads them back at once: a bytea in hex (bytea_output's default; psql shows `\x…`,
// `xxd -r -p` reads it), in an array, and in row_to_json; text holding escapes that were never decoded (a log line
// with `\n` before the token, a JSON string's `\u0067`), and base64 wrapped over lines as `base64` writes it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'

// Assembled here so the source holds no literal token a secret scanner would flag.
const GITHUB = 'ghp' + '_' + 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiO'
const hex = (s: string) => Buffer.from(s).toString('hex')

let h: Harness
test.before(async () => {
  h = await startHarness()
})
test.after(async () => {
  await h?.stop()
})

test('a bytea holding a token, sent as hex text, is masked alone, in an array and in row_to_json', async () => {
  const c = await h.client()
  const { rows } = await c.query(
    `SELECT decode($1, 'hex') AS blob, ARRAY[decode($1, 'hex')] AS blobs, row_to_json(r) AS doc FROM (SELECT decode($1, 'hex') AS b) r`,
    [hex(`GITHUB_TOKEN=${GITHUB}\n`)],
  )
  const row = rows[0]
  const seen = JSON.stringify({ blob: Buffer.isBuffer(row.blob) ? row.blob.toString('utf8') : row.blob, blobs: String(row.blobs), doc: row.doc })
  assert.not.ok(seen.includes(GITHUB) || seen.includes(hex(GITHUB).slice(0, 40)), seen)
  // Bytes that are not text pass as they were.
  const binary = await c.query(`SELECT decode($1, 'hex') AS blob`, ['00ff10ee' + hex(GITHUB.slice(0, 10))])
  assert.is(binary.rows[0].blob.toString('hex'), '00ff10ee' + hex(GITHUB.slice(0, 10)))
})

test('text with undecoded escapes or wrapped base64 around a token is masked', async () => {
  const c = await h.client()
  const wrapped = Buffer.from(`# deploy settings for the release pipeline\nGH=${GITHUB}\n`).toString('base64').match(/.{1,76}/g)!.join('\n')
  const { rows } = await c.query(`SELECT $1::text AS log, $2::text AS json, $3::text AS b64`, [
    `first line\\n${GITHUB}\\nlast`,
    `{"auth":"\\u0067hp${GITHUB.slice(3)}"}`,
    wrapped,
  ])
  const row = rows[0]
  for (const v of Object.values(row)) assert.not.ok(String(v).includes(GITHUB.slice(4)), String(v))
  assert.ok(String(row.log).startsWith('first line\\n') && String(row.log).endsWith('\\nlast'), String(row.log))
  assert.is(row.b64, '[base64]')
})

test.run()
