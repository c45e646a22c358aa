import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { MaskObligation } from '../../types.ts'
import { jsonMasker } from './json.ts'
import { parseJsonText } from './json-numbers.ts'
import { maskTableCells } from './table-origin.ts'

const KEY = new Uint8Array(32).fill(5)
type Json = Record<string, unknown>

/** A Table of custom resources as the apiserver prints it: one column per printer column, each row with its object. */
function table(columns: string[], rows: { cells: unknown[]; object: unknown }[]): Json {
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: columns.map((name) => ({ name, type: 'string' })), rows }
}

const db = (spec: Json, name = 'orders') => ({ apiVersion: 'example.com/v1', kind: 'Database', metadata: { name, namespace: 'prod' }, spec })

/** Masks `t` as the gateway does: the JSON masker over the whole Table, then the cells by origin. */
function mask(t: Json, obligations: MaskObligation[]): { cells: unknown[][]; count: number } {
  const out = jsonMasker(obligations, KEY).mask(t).doc as Json
  const count = maskTableCells(t, out)
  return { cells: (out.rows as { cells: unknown[] }[]).map((r) => r.cells), count }
}

const DETECT: MaskObligation[] = [{ detector: 'secret_assignment' }]

test('a cell holding a value the object\'s masking hid is masked, under any column name; other cells stay', () => {
  const t = table(['Name', 'Connection', 'Replicas', 'Engine'], [{ cells: ['orders', 'pg-Zk81qv', 3, 'postgres'], object: db({ password: 'pg-Zk81qv', replicas: 3, engine: 'postgres' }) }])
  assert.equal(mask(t, DETECT), { cells: [['orders', '[redacted]', 3, 'postgres']], count: 1 })
})

test('a column over an object prints it as JSON: masked when any leaf of it was hidden, whatever its escapes', () => {
  const credentials = { conn: 'a<b&c', user: 'app' }
  // Go's encoding/json writes <, > and & as \u003c, \u003e, \u0026.
  const cell = '{"conn":"a\\u003cb\\u0026c","user":"app"}'
  const t = table(['Name', 'Creds'], [{ cells: ['orders', cell], object: db({ credentials }) }])
  assert.equal(mask(t, [{ path: 'rows.*.object.spec.credentials.conn' }]).cells, [['orders', '[redacted]']])
  // A secret name in it: the detectors mask it in the cell as in the object.
  const named = table(['Name', 'Creds'], [{ cells: ['orders', '{"password":"a\\u003cb","user":"app"}'], object: db({ credentials: { password: 'a<b', user: 'app' } }) }])
  const [[, masked]] = mask(named, DETECT).cells as [[string, string]]
  assert.not.ok(masked.includes('a\\u003cb'), masked)
})

test('a hidden number in a string column, written as Go writes it or exactly past 2^53, is masked', () => {
  // A printer column of type string prints a number with Go's fmt: 1234567.5 as 1.2345675e+06. An integer past
  // 2^53 it prints exactly, while JSON.parse rounded the row's object (12345678901234567 became …568).
  const PIN: MaskObligation[] = [{ path: 'rows.*.object.spec.pin' }]
  const float = table(['Name', 'Pin'], [{ cells: ['orders', '1.2345675e+06'], object: db({ pin: 1234567.5 }) }])
  assert.equal(mask(float, PIN), { cells: [['orders', '[redacted]']], count: 1 })
  const big = table(['Name', 'Pin'], [{ cells: ['orders', '12345678901234567'], object: JSON.parse('{"kind":"Database","apiVersion":"example.com/v1","metadata":{"name":"orders"},"spec":{"pin":12345678901234567}}') }])
  assert.equal(mask(big, PIN), { cells: [['orders', '[redacted]']], count: 1 })
  // A number shown elsewhere, or another number, stays.
  const other = table(['Name', 'Pin', 'Replicas'], [{ cells: ['orders', '1.2345675e+06', '3'], object: db({ pin: 7654321.5, replicas: 3 }) }])
  assert.equal(mask(other, PIN).cells, [['orders', '1.2345675e+06', '3']])
})

test('a hidden number kept as its text (read with lossless-json) is found in a cell Go wrote otherwise', () => {
  // The answer holds a number JavaScript would rewrite (1234567.50), so it is read with its numbers kept as text
  // (json-numbers.ts): the hidden pin is a LosslessNumber, not a number, and must still be compared as one.
  const text = '{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[{"name":"Name","type":"string"},{"name":"Pin","type":"string"}],' +
    '"rows":[{"cells":["orders","1.2345675e+06"],"object":{"kind":"Database","apiVersion":"example.com/v1","metadata":{"name":"orders"},"spec":{"pin":1234567.50}}}]}'
  const { doc, exact } = parseJsonText(text)
  assert.ok(exact)
  assert.equal(mask(doc as Json, [{ path: 'rows.*.object.spec.pin' }]), { cells: [['orders', '[redacted]']], count: 1 })
})

test('a short hidden value masks a cell it is whole, not every cell holding its letters', () => {
  const t = table(['Name', 'Pin', 'Mode'], [{ cells: ['orders', 'x1', 'x1-fast'], object: db({ password: 'x1', mode: 'x1-fast' }) }])
  assert.equal(mask(t, DETECT).cells, [['orders', '[redacted]', 'x1-fast']])
})

test('a path rule hides a field: the cell printing it is masked; a number too', () => {
  const t = table(['Name', 'Port', 'Size'], [{ cells: ['orders', 5432, 10], object: db({ port: 5432, size: 10 }) }])
  assert.equal(mask(t, [{ path: 'rows.*.object.spec.port' }]).cells, [['orders', '[redacted]', 10]])
})

test('a partly masked string hides the part the detector took: a cell with that part alone is masked', () => {
  const note = 'rotated: password=Qz7m2kLp9 by ops'
  const t = table(['Name', 'Note', 'Last'], [{ cells: ['orders', 'ops', 'Qz7m2kLp9'], object: db({ note }) }])
  const out = mask(t, DETECT)
  assert.equal(out.cells, [['orders', 'ops', '[redacted]']])
})

test('a cell the detectors masked in part, as they masked its field, keeps the rest readable', () => {
  const message = 'rotated: password=Qz7m2kLp9 by ops'
  const t = table(['Name', 'Message'], [{ cells: ['orders', message], object: db({ message }) }])
  const [[name, cell]] = mask(t, DETECT).cells as [[string, string]]
  assert.is(name, 'orders')
  assert.ok(cell.startsWith('rotated: password=') && cell.endsWith(' by ops') && !cell.includes('Qz7m2kLp9'), cell)
})

test('a cell equal to a value the masked object still shows stays, though it holds a hidden one', () => {
  // A service account token Secret: its name holds the account name that a masked annotation holds.
  const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } }, type: 'kubernetes.io/service-account-token' }
  const t = table(['Name', 'Type'], [{ cells: ['builder-token', 'kubernetes.io/service-account-token'], object }])
  assert.equal(mask(t, [{ path: 'rows.*.object.metadata.annotations.*' }]).cells, [['builder-token', 'kubernetes.io/service-account-token']])
})

test('a text masked whole hides itself, not its words: a last-applied copy holding the name leaves the Name cell', () => {
  const object = { ...db({ size: 1 }, 'web'), metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"metadata":{"name":"web"},"spec":{"size":1}}' } } }
  const t = table(['Name', 'Size'], [{ cells: ['web', 1], object }])
  assert.equal(mask(t, [{ path: 'rows.*.object.metadata.annotations.*last-applied-configuration' }]).cells, [['web', 1]])
})

test('a row without its whole object gives no origin: every cell with content is masked (an empty or null one stays)', () => {
  const partial = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'orders' } }
  const t = table(['Name', 'Connection', 'Note'], [
    { cells: ['orders', 'pg-Zk81qv', null], object: partial },
    { cells: ['billing', 'pg-Rr', ''], object: null },
  ])
  assert.equal(mask(t, DETECT), { cells: [['[redacted]', '[redacted]', null], ['[redacted]', '[redacted]', '']], count: 4 })
})

test('a key the detectors renamed hides the key and all under it', () => {
  const object = db({ users: { 'ops@example.com': { role: 'admin-Vq93' } } })
  const t = table(['Name', 'Role'], [{ cells: ['orders', 'admin-Vq93'], object }])
  assert.equal(mask(t, [{ detector: 'email' }]).cells, [['orders', '[redacted]']])
})

test('a Table without rows, or masked whole, is left alone', () => {
  assert.is(maskTableCells(table(['Name'], []), table(['Name'], [])), 0)
  assert.is(maskTableCells(table(['Name'], [{ cells: ['a'], object: db({}) }]), { kind: 'Table', rows: null }), 0)
})

test.run()
