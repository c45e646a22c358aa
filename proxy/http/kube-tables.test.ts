import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpGatewayError } from './errors.ts'
import { finishTable, kubeTableRead, tableIn } from './kube-tables.ts'
import { maskDecoded, type MaskJob } from './mask-decoded.ts'
import { MaskThread } from './mask-thread.ts'

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
// What kubectl get sends.
const KUBECTL = `${TABLE},application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`

test('a Table read asks upstream for whole objects and remembers the form asked for (Metadata by default)', () => {
  assert.equal(kubeTableRead('limit=500', [KUBECTL], true), { form: 'Metadata', query: 'limit=500&includeObject=Object' })
  assert.equal(kubeTableRead('', [TABLE], true), { form: 'Metadata', query: 'includeObject=Object' })
  assert.equal(kubeTableRead('includeObject=None&watch=1', [TABLE], true), { form: 'None', query: 'watch=1&includeObject=Object' })
  assert.equal(kubeTableRead('include%4Fbject=Metadata', [TABLE], true), { form: 'Metadata', query: 'includeObject=Object' })
  assert.equal(kubeTableRead('includeObject=Object', ['application/json;AS="table";v=v1;g=meta.k8s.io'], true), { form: 'Object', query: 'includeObject=Object' })
})

test('no Table asked for, or an includeObject the apiserver refuses: the query goes as sent', () => {
  assert.equal(kubeTableRead('limit=5', ['application/json'], true), { form: 'Metadata', query: 'limit=5' })
  assert.equal(kubeTableRead('includeObject=None', [], true), { form: 'None', query: 'includeObject=None' })
  for (const bad of ['Foo', 'constructor', '%ff']) assert.equal(kubeTableRead(`includeObject=${bad}`, [TABLE], true).query, `includeObject=${bad}`)
})

test('a Table of a subresource (a pod\'s proxy passes the query on) is asked for as sent', () => {
  assert.equal(kubeTableRead('limit=5', [TABLE], false), { form: 'Metadata', query: 'limit=5' })
})

test('a Table in another media type is refused: its cells could not be masked', () => {
  for (const accept of ['application/yaml;as=Table;v=v1;g=meta.k8s.io', `application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, ${TABLE}`, '*/*;as=Table;v=v1;g=meta.k8s.io']) {
    try {
      kubeTableRead('', [accept], true)
      assert.unreachable(accept)
    } catch (err) {
      assert.instance(err, HttpGatewayError)
      assert.is((err as HttpGatewayError).status, 406)
    }
  }
})

test('tableIn finds a Table itself or in a watch event; finishTable answers each whole object in the form asked', () => {
  const object = { apiVersion: 'example.com/v1', kind: 'Database', metadata: { name: 'orders' }, spec: { engine: 'pg' } }
  const bookmark = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9' } }
  const make = () => ({ kind: 'Table', apiVersion: 'meta.k8s.io/v1beta1', columnDefinitions: [{ name: 'Name' }], rows: [{ cells: ['orders'], object: structuredClone(object) }, { cells: [''], object: bookmark }] })
  assert.ok(tableIn({ type: 'ADDED', object: make() }))
  assert.is(tableIn({ kind: 'DatabaseList', items: [] }), undefined)
  const forms = { Object: object, Metadata: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1beta1', metadata: { name: 'orders' } }, None: null } as const
  for (const [form, want] of Object.entries(forms)) {
    const sent = make()
    const masked = make()
    assert.is(finishTable(sent, masked, form as keyof typeof forms), 0)
    assert.equal(masked.rows.map((r) => r.object), [want, bookmark], form)
  }
})

test('a Table body is masked by origin and answered as asked, on the socket thread and on the mask thread alike', async () => {
  const object = { apiVersion: 'example.com/v1', kind: 'Database', metadata: { name: 'orders' }, spec: { password: 'Pw-83kdQ', engine: 'pg' } }
  const body = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: [{ name: 'Name' }, { name: 'Connection' }, { name: 'Engine' }], rows: [{ cells: ['orders', 'Pw-83kdQ', 'pg'], object }] }
  const job: MaskJob = { body: Buffer.from(JSON.stringify(body)), type: 'application/json', declared: 'application/json', obligations: [{ detector: 'secret_assignment' }], key: new Uint8Array(32), credentials: [], table: 'None' }
  const want = { ...body, rows: [{ cells: ['orders', '[redacted]', 'pg'], object: null }] }
  const here = maskDecoded({ ...job, body: Buffer.from(job.body) })
  assert.equal(JSON.parse(here.body.toString()), want)
  const thread = new MaskThread()
  try {
    const there = await thread.mask(job)
    assert.equal(JSON.parse(Buffer.from(there.body).toString()), want)
    assert.is(there.masked, here.masked)
  } finally {
    await thread.close()
  }
})

test.run()
