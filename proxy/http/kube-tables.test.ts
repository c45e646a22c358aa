import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpGatewayError } from './errors.ts'
import { finishTable, kubeTableRead, tableIn } from './kube-tables.ts'

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
// What kubectl get sends.
const KUBECTL = `${TABLE},application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`

test('a Table read asks upstream for whole objects and remembers the form asked for (Metadata by default)', () => {
  assert.equal(kubeTableRead('limit=500', [KUBECTL]), { form: 'Metadata', query: 'limit=500&includeObject=Object' })
  assert.equal(kubeTableRead('', [TABLE]), { form: 'Metadata', query: 'includeObject=Object' })
  assert.equal(kubeTableRead('includeObject=None&watch=1', [TABLE]), { form: 'None', query: 'watch=1&includeObject=Object' })
  assert.equal(kubeTableRead('include%4Fbject=Metadata', [TABLE]), { form: 'Metadata', query: 'includeObject=Object' })
  assert.equal(kubeTableRead('includeObject=Object', ['application/json;AS="table";v=v1;g=meta.k8s.io']), { form: 'Object', query: 'includeObject=Object' })
})

test('no Table asked for, or an includeObject the apiserver refuses: the query goes as sent', () => {
  assert.equal(kubeTableRead('limit=5', ['application/json']), { form: 'Metadata', query: 'limit=5' })
  assert.equal(kubeTableRead('includeObject=None', []), { form: 'None', query: 'includeObject=None' })
  for (const bad of ['Foo', 'constructor', '%ff']) assert.equal(kubeTableRead(`includeObject=${bad}`, [TABLE]).query, `includeObject=${bad}`)
})

test('a Table in another media type is refused: its cells could not be masked', () => {
  for (const accept of ['application/yaml;as=Table;v=v1;g=meta.k8s.io', `application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, ${TABLE}`, '*/*;as=Table;v=v1;g=meta.k8s.io']) {
    try {
      kubeTableRead('', [accept])
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

test.run()
