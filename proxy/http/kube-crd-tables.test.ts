// Tables of a custom resource through the gateway, against a real kube-apiserver: a CRD prints secret fields under
// harmless column names (Connection over .spec.password, Creds over the object .spec.credentials, Tok over
// .spec.items[*].token). The JSON answer masks those fields by their keys; a Table cell carries no key, so the cells
// are masked by origin (kube-tables.ts): a cell still holding a value the object's masking hid reads [redacted] (the
// Creds cell too: every value under spec.credentials is hidden, user included). Raw HTTP in each includeObject form, a
// get, a watch, and the real kubectl (get, get -o wide, get --watch).
import { execFile } from 'node:child_process'
import https from 'node:https'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries } from './testing/binaries.ts'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

const run = promisify(execFile)
const NS = 'staging'
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
const BASE = `/apis/example.com/v1/namespaces/${NS}/databases`
// Distinct values: none is a word a cell holds by chance. The token and password hold `<` and `&`, which the
// apiserver writes as \u003c and \u0026 when it prints an object into a cell as JSON.
const SECRETS = { password: 'Conn9f3kQ27xv', nested: 'Nest<8d&2kWq', token: 'Tok4h7Zp0mLs', second: 'Conn2b8rX5t' }

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'databases.example.com' },
  spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'databases', singular: 'database', kind: 'Database' },
    versions: [{
      name: 'v1', served: true, storage: true,
      additionalPrinterColumns: [
        { name: 'Connection', type: 'string', jsonPath: '.spec.password' },
        { name: 'Creds', type: 'string', jsonPath: '.spec.credentials' },
        { name: 'Tok', type: 'string', jsonPath: '.spec.items[*].token' },
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Engine', type: 'string', jsonPath: '.spec.engine' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
    }],
  },
}

const database = (name: string, password: string, replicas: number) => ({
  apiVersion: 'example.com/v1', kind: 'Database', metadata: { name, namespace: NS },
  spec: { password, credentials: { user: 'app', password: SECRETS.nested }, items: [{ token: SECRETS.token }], replicas, engine: 'postgres15' },
})

/** The Creds cell as masked: it holds values the object's masking hid (all of spec.credentials). */
const CREDS = '[redacted]'

let k: KubeAttack
let dir: string

// A secret is found by any part of it between its special characters: however a cell or a JSON string escapes them.
const leaked = (text: string) => Object.values(SECRETS).filter((s) => s.split(/[^A-Za-z0-9]+/).some((part) => part.length >= 4 && text.includes(part)))

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-crd-tables-'))
  k = await startKubeAttack('crd-tables')
  await k.admin(['create', 'namespace', NS])
  await k.admin(['apply', '-f', '-'], JSON.stringify(crd))
  await k.admin(['wait', '--for=condition=established', 'crd/databases.example.com', '--timeout=60s'])
  // Server-side apply: no last-applied copy, so a secret in a cell is the cell's own doing.
  await k.admin(['apply', '--server-side', '-f', '-'], JSON.stringify(database('orders', SECRETS.password, 3)))
})

test.after(async () => {
  await k?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A Table read by the cluster admin straight from the apiserver. */
const direct = (path: string) => new Promise<string>((resolve, reject) => {
  https.get(`${k.kube.url}${path}`, { ca: k.kube.caPem, headers: { authorization: `Bearer ${k.kube.adminToken}`, accept: TABLE } }, (res) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (c) => (body += c))
    res.on('end', () => resolve(body))
  }).on('error', reject)
})

type Table = { columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: Record<string, unknown> | null }[] }

const cell = (t: Table, row: number, column: string) => t.rows[row]!.cells[t.columnDefinitions.findIndex((c) => c.name === column)]

test('control: the apiserver itself prints the secrets in the Table cells', async () => {
  assert.equal(leaked(await direct(BASE)).sort(), [SECRETS.password, SECRETS.nested, SECRETS.token].sort())
})

test('a Table list as the agent: the secret cells are masked, Name, Replicas, Engine and Age show, each includeObject form as asked', async () => {
  for (const [query, kind] of [['', 'PartialObjectMetadata'], ['?includeObject=Metadata', 'PartialObjectMetadata'], ['?includeObject=None', null], ['?includeObject=Object', 'Database']] as const) {
    const a = await k.agent(`${BASE}${query}`, { headers: { accept: TABLE } })
    assert.is(a.status, 200, a.body)
    assert.equal(leaked(a.body), [], `${query}: ${a.body}`)
    const t = JSON.parse(a.body) as Table
    assert.is(cell(t, 0, 'Name'), 'orders')
    assert.is(cell(t, 0, 'Replicas'), 3)
    assert.is(cell(t, 0, 'Engine'), 'postgres15')
    assert.match(String(cell(t, 0, 'Age')), /^\d+[smhd]/)
    for (const column of ['Connection', 'Tok']) assert.is(cell(t, 0, column), '[redacted]', `${query} ${column}`)
    // The object's secret-named key is masked in the cell's JSON as in the object itself.
    assert.is(cell(t, 0, 'Creds'), CREDS)
    const object = t.rows[0]!.object
    assert.is(object === null ? null : object.kind, kind, query)
    if (kind === 'PartialObjectMetadata') assert.equal(Object.keys(object!).sort(), ['apiVersion', 'kind', 'metadata'])
    if (object) assert.is((object.metadata as { name: string }).name, 'orders')
    if (kind === 'Database') assert.is((object!.spec as { engine: string }).engine, 'postgres15')
  }
})

test('a Table get as the agent masks the secret cells; kubectl get -o yaml shows the object masked as before', async () => {
  const a = await k.agent(`${BASE}/orders`, { headers: { accept: TABLE } })
  assert.is(a.status, 200, a.body)
  assert.equal(leaked(a.body), [])
  const t = JSON.parse(a.body) as Table
  assert.is(cell(t, 0, 'Connection'), '[redacted]')
  assert.is(cell(t, 0, 'Replicas'), 3)
  const json = await k.agent(`${BASE}/orders`)
  assert.equal(leaked(json.body), [])
  assert.is(JSON.parse(json.body).spec.engine, 'postgres15')
})

test('a watch of Tables masks the secret cells of every event, also those that come without the columns', async () => {
  await k.admin(['apply', '--server-side', '-f', '-'], JSON.stringify(database('billing', SECRETS.second, 1)))
  // Both objects' events, whole lines, or 15 s on a loaded machine.
  const a = await k.agent(`${BASE}?watch=1&resourceVersion=0`, { headers: { accept: TABLE }, watchMs: 15_000, until: (body) => body.split('\n').slice(0, -1).length >= 2 })
  assert.equal(leaked(a.body), [], a.body)
  const events = a.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: Table })
  const rows = events.flatMap((e) => e.object.rows)
  assert.is(rows.length, 2, a.body)
  assert.ok(events.some((e) => !e.object.columnDefinitions), 'one event came without the columns')
  for (const row of rows) {
    assert.is(row.cells[1], '[redacted]')
    assert.is(row.object?.kind, 'PartialObjectMetadata')
  }
  assert.equal(rows.map((r) => r.cells[0]).sort(), ['billing', 'orders'])
  await k.admin(['delete', 'database', 'billing', '-n', NS])
})

test('a Table asked for in YAML under masks is refused, not forwarded', async () => {
  const a = await k.agent(BASE, { headers: { accept: 'application/yaml;as=Table;v=v1;g=meta.k8s.io' } })
  assert.is(a.status, 406, a.body)
  assert.equal(leaked(a.body), [])
})

function agentKubeconfig(): string {
  const file = join(dir, 'agent-kubeconfig')
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: warden, cluster: { server: "${k.g.reverse.url}/t/prod-k8s", certificate-authority: "${k.g.ca.cert}" } }]
users: [{ name: agent, user: { token: "${k.token}" } }]
contexts: [{ name: warden, context: { cluster: warden, user: agent, namespace: ${NS} } }]
current-context: warden
`)
  return file
}

test('the real kubectl get through the gateway: the secret columns read [redacted], the others as the apiserver prints them', async () => {
  const kubectl = peerBinaries(['kubectl']).kubectl!
  const out = await run(kubectl, ['--kubeconfig', agentKubeconfig(), 'get', 'databases', '-n', NS], { env: { ...process.env, HOME: dir } })
  assert.equal(leaked(out.stdout + out.stderr), [], out.stdout)
  const [header, row] = out.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/))
  assert.equal(header, ['NAME', 'CONNECTION', 'CREDS', 'TOK', 'REPLICAS', 'ENGINE', 'AGE'])
  assert.equal(row!.slice(0, 6), ['orders', '[redacted]', CREDS, '[redacted]', '3', 'postgres15'])
  const wide = await run(kubectl, ['--kubeconfig', agentKubeconfig(), 'get', 'database', 'orders', '-n', NS, '-o', 'wide'], { env: { ...process.env, HOME: dir } })
  assert.equal(leaked(wide.stdout), [])
  assert.match(wide.stdout, /orders\s+\[redacted\]/)
})

test('kubectl get --watch through the gateway: the events\' secret columns read [redacted]', async () => {
  const kubectl = peerBinaries(['kubectl']).kubectl!
  // A watch never ends: cut after a few seconds, what it printed is its answer.
  const out = await run(kubectl, ['--kubeconfig', agentKubeconfig(), 'get', 'databases', '-n', NS, '--watch'], { env: { ...process.env, HOME: dir }, timeout: 4000 })
    .catch((e: { stdout: string; stderr: string }) => e)
  assert.equal(leaked(out.stdout + out.stderr), [], out.stdout)
  assert.ok(out.stdout.split('\n').some((l) => l.trim().split(/\s+/).slice(0, 6).join(' ') === `orders [redacted] ${CREDS} [redacted] 3 postgres15`), out.stdout)
})

test('built-in Tables read through the gateway as the apiserver prints them where nothing printed is secret', async () => {
  // Client-side apply: each object keeps kubectl's last-applied copy of itself (masked whole), which holds its name.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: NS }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'DB_PASSWORD', value: 'EnvSec9rt7' }, { name: 'MODE', value: 'fast' }] }] } }
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS }, stringData: { password: 'Sec7rEtVal9' } }
  const configmap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { mode: 'fast' } }
  await k.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod, secret, configmap] }))
  for (const resource of ['api/v1/namespaces/staging/secrets', 'api/v1/namespaces/staging/configmaps', 'api/v1/namespaces/staging/pods']) {
    const straight = JSON.parse(await direct(`/${resource}`)) as Table
    const a = await k.agent(`/${resource}`, { headers: { accept: TABLE } })
    assert.is(a.status, 200, a.body)
    assert.not.ok(a.body.includes('Sec7rEtVal9') || a.body.includes('EnvSec9rt7'), a.body)
    const via = JSON.parse(a.body) as Table
    assert.equal(via.columnDefinitions, straight.columnDefinitions)
    // The age cells are printed at each answer; the rest is the same.
    const cells = (t: Table) => t.rows.map((r) => r.cells.map((c, i) => (t.columnDefinitions[i]!.name === 'Age' ? 'age' : c)))
    assert.equal(cells(via), cells(straight), resource)
    // Each row's PartialObjectMetadata, made by the gateway from the masked object, is the apiserver's (nothing in a
    // ConfigMap's metadata is masked; a Pod's and a Secret's last-applied copy is).
    if (resource.endsWith('configmaps')) assert.equal(via.rows.map((r) => r.object), straight.rows.map((r) => r.object))
  }
})

test.run()
