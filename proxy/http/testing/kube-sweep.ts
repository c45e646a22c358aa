// A systematic leak search of the Kubernetes path: distinctive values seeded where credentials sit in a cluster
// (Secrets of every type, ConfigMap keys that look secret, workloads' literal env values and kubectl's
// last-applied copy, an event and an annotation quoting one, a custom resource's spec.password), then every
// resource the real apiserver's discovery lists read by the agent through the gateway in every shape it serves
// (list, get, watch, Table, PartialObjectMetadata, YAML, protobuf, selectors, subresources, dry-run writes).
// Each answer is classed denied / held (a Warden refusal) or allowed, and an allowed one is searched for each
// seeded value whole, in base64 at every alignment and by a distinctive middle part.
import { randomBytes } from 'node:crypto'
import https from 'node:https'
import type { KubeAttack } from './kube-attack.ts'

export const SWEEP_NAMESPACE = 'staging'

/** One seeded value, named by where it was put. */
export interface Seed { where: string; value: string }

export interface SeedObject {
  /** Discovery's group/version ("v1", "apps/v1"), resource name, and whether it is namespaced. */
  groupVersion: string
  resource: string
  name: string
  namespaced: boolean
  manifest: Record<string, unknown>
}

export interface Seeded { seeds: Seed[]; objects: SeedObject[] }

const distinct = (tag: string) => `Sw${tag}${randomBytes(6).toString('hex')}Q`

/** The seeded cluster: every value in `seeds` is one a masked answer must not carry. */
export function sweepSeeds(): Seeded {
  const seeds: Seed[] = []
  const v = (where: string) => {
    const value = distinct(where.replace(/[^a-z0-9]/gi, '').slice(0, 6))
    seeds.push({ where, value })
    return value
  }
  const ns = SWEEP_NAMESPACE
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  const objects: SeedObject[] = []
  const add = (groupVersion: string, resource: string, namespaced: boolean, manifest: Record<string, unknown>) => {
    const metadata = manifest.metadata as Record<string, unknown>
    if (namespaced) metadata.namespace = ns
    objects.push({ groupVersion, resource, namespaced, name: metadata.name as string, manifest })
  }
  const secret = (name: string, type: string, data: Record<string, string>, stringData: Record<string, string>, annotations: Record<string, string> = {}) =>
    add('v1', 'secrets', true, { apiVersion: 'v1', kind: 'Secret', metadata: { name, annotations }, type, data: Object.fromEntries(Object.entries(data).map(([k, x]) => [k, b64(x)])), stringData })

  // Keys no detector knows as secret: only the Secret masks keep these.
  secret('opaque', 'Opaque', { upstream: v('secret opaque data') }, { endpoint: v('secret opaque stringData') })
  secret('basic', 'kubernetes.io/basic-auth', { username: 'svc' }, { password: v('secret basic-auth password') })
  secret('ssh', 'kubernetes.io/ssh-auth', {}, { 'ssh-privatekey': `-----BEGIN OPENSSH PRIVATE KEY-----\n${v('secret ssh-auth key')}\n-----END OPENSSH PRIVATE KEY-----\n` })
  secret('tls', 'kubernetes.io/tls', { 'tls.crt': 'not-a-cert' }, { 'tls.key': `-----BEGIN PRIVATE KEY-----\n${v('secret tls key')}\n-----END PRIVATE KEY-----\n` })
  secret('regcred', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify({ auths: { 'reg.example': { auth: v('secret dockerconfigjson auth') } } }) }, {})
  secret('oldcred', 'kubernetes.io/dockercfg', {}, { '.dockercfg': JSON.stringify({ 'reg.example': { password: v('secret dockercfg password') } }) })
  secret('builder-token', 'kubernetes.io/service-account-token', {}, { token: v('secret service-account token') }, { 'kubernetes.io/service-account.name': 'builder' })
  add('v1', 'serviceaccounts', true, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' }, secrets: [{ name: 'builder-token' }] })

  add('v1', 'configmaps', true, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' },
    data: { db_password: v('configmap db_password'), 'api-token': v('configmap api-token'), AWS_SECRET_ACCESS_KEY: v('configmap AWS_SECRET_ACCESS_KEY'), 'app.properties': `db.password=${v('configmap properties password')}\n` },
    binaryData: { 'client.key': b64(v('configmap binaryData client.key')) },
  })

  const container = (tag: string) => ({ name: 'c', image: 'busybox', env: [{ name: 'UPSTREAM', value: v(`${tag} env value`) }, { name: 'DB_PASSWORD', value: v(`${tag} env secret name`) }, { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'opaque', key: 'upstream' } } }] })
  const podSpec = (tag: string, extra: object = {}) => ({ containers: [container(tag)], initContainers: [{ ...container(`${tag} init`), name: 'i' }], ...extra })
  const labels = { app: 'sweep' }
  add('v1', 'pods', true, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels, annotations: { note: `rotated password=${v('pod annotation')}` } }, spec: podSpec('pod') })
  add('v1', 'podtemplates', true, { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'tpl' }, template: { metadata: { labels }, spec: podSpec('podtemplate') } })
  add('v1', 'replicationcontrollers', true, { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { replicas: 0, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: podSpec('replicationcontroller') } } })
  const selector = (app: string) => ({ selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: podSpec(app) } })
  add('apps/v1', 'deployments', true, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deploy' }, spec: { replicas: 0, ...selector('deployment') } })
  add('apps/v1', 'statefulsets', true, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts' }, spec: { replicas: 0, serviceName: 'sts', ...selector('statefulset') } })
  add('apps/v1', 'daemonsets', true, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' }, spec: selector('daemonset') })
  add('apps/v1', 'replicasets', true, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 0, ...selector('replicaset') } })
  // The copy of a StatefulSet's template a revision keeps (no controller runs here: written as one would).
  add('apps/v1', 'controllerrevisions', true, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'sts-1' }, revision: 1, data: { spec: { template: { $patch: 'replace', spec: podSpec('controllerrevision') } } } })
  add('batch/v1', 'jobs', true, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { suspend: true, template: { spec: { ...podSpec('job'), restartPolicy: 'Never' } } } })
  add('batch/v1', 'cronjobs', true, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { schedule: '0 0 * * *', suspend: true, jobTemplate: { spec: { template: { spec: { ...podSpec('cronjob'), restartPolicy: 'Never' } } } } } })

  add('v1', 'events', true, {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.rotated' }, type: 'Normal', reason: 'Rotated',
    message: `set password=${v('event message')}`, involvedObject: { kind: 'Pod', name: 'web', namespace: ns, apiVersion: 'v1' },
    source: { component: 'sweep' }, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:00Z', count: 1,
  })
  add('v1', 'services', true, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', annotations: { 'sweep/db-password': v('service annotation'), 'vault.example.com/api-key': v('service prefixed annotation') } }, spec: { ports: [{ port: 80 }] } })

  add('example.com/v1', 'widgets', true, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { password: v('custom resource spec.password'), credentials: { user: 'svc', password: v('custom resource spec.credentials') }, size: 1 } })
  // A second one: a watch of tables sends the column names with its first event only.
  add('example.com/v1', 'widgets', true, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { password: v('second custom resource spec.password'), size: 2 } })
  return { seeds, objects }
}

/** The CRD the custom resource seed needs, applied (and established) before the seeds. */
export const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{
      // An operator's CRD often prints a connection field: a Table then carries it in a cell, away from its key; under
      // a harmless name too, or over a whole object (printed as JSON): the cell has no key to mask it by.
      name: 'v1', served: true, storage: true,
      additionalPrinterColumns: [{ name: 'Password', type: 'string', jsonPath: '.spec.password' }, { name: 'Connection', type: 'string', jsonPath: '.spec.password' }, { name: 'Access', type: 'string', jsonPath: '.spec.credentials' }], subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { password: { type: 'string' }, credentials: { type: 'object', properties: { user: { type: 'string' }, password: { type: 'string' } } }, size: { type: 'integer' } } }, status: { type: 'object', properties: { size: { type: 'integer' } } } } } },
    }],
  },
}

/** The strings whose presence in an answer shows a seeded value: whole, a distinctive middle part, base64 of it
 *  at each of the three alignments it can take inside a longer base64 text (edges dropped). */
export function markers(value: string): string[] {
  const out = [value, value.slice(3, -3)]
  for (let shift = 0; shift < 3; shift++) {
    const b = Buffer.from('x'.repeat(shift) + value).toString('base64')
    // Drop the characters that mix with neighbouring bytes: the first 4 (covering the shift) and the last 4.
    out.push(b.slice(4, -4))
  }
  return out
}

export interface ApiResource { groupVersion: string; name: string; namespaced: boolean; verbs: string[] }

/** Every resource and subresource the apiserver lists at /api and /apis (the preferred and other versions). */
export async function discover(get: (path: string) => Promise<unknown>): Promise<ApiResource[]> {
  const versions = ((await get('/api')) as { versions: string[] }).versions.map((v) => ({ prefix: `/api/${v}`, gv: v }))
  const groups = (await get('/apis')) as { groups: { versions: { groupVersion: string }[] }[] }
  for (const g of groups.groups) for (const v of g.versions) versions.push({ prefix: `/apis/${v.groupVersion}`, gv: v.groupVersion })
  const out: ApiResource[] = []
  for (const { prefix, gv } of versions) {
    const list = (await get(prefix)) as { resources: { name: string; namespaced: boolean; verbs: string[] }[] }
    for (const r of list.resources) out.push({ groupVersion: gv, name: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] })
  }
  return out
}

export interface SweepRequest { what: string; path: string; method?: string; headers?: Record<string, string>; body?: string; watchMs?: number }

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'
const METADATA = 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io'
const PROTOBUF = 'application/vnd.kubernetes.protobuf'

/** The agent's requests for one discovered resource: reads in every shape, subresources of seeded objects,
 *  and dry-run writes that answer with the stored object. */
export function sweepRequests(resources: ApiResource[], seeded: Seeded): SweepRequest[] {
  const out: SweepRequest[] = []
  const base = (r: ApiResource) => `${r.groupVersion.includes('/') ? '/apis' : '/api'}/${r.groupVersion}${r.namespaced ? `/namespaces/${SWEEP_NAMESPACE}` : ''}`
  for (const r of resources) {
    const [resource, subresource] = r.name.split('/')
    const coll = `${base(r)}/${resource}`
    const objects = seeded.objects.filter((o) => o.resource === resource && o.groupVersion.split('/')[0] === r.groupVersion.split('/')[0])
    const tag = `${r.groupVersion} ${r.name}`
    if (subresource) {
      for (const o of objects) {
        const path = `${coll}/${o.name}/${subresource}`
        if (r.verbs.includes('get')) out.push({ what: `${tag} get`, path: subresource === 'log' ? `${path}?container=c` : path })
        if (r.verbs.includes('patch') && subresource !== 'log') {
          out.push({ what: `${tag} dry-run patch`, path: `${path}?dryRun=All`, method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { sweep: 'dry' } } }) })
        }
      }
      continue
    }
    if (r.verbs.includes('list')) {
      out.push({ what: `${tag} list`, path: coll })
      out.push({ what: `${tag} list Table`, path: coll, headers: { accept: TABLE } })
      out.push({ what: `${tag} list Table includeObject`, path: `${coll}?includeObject=Object`, headers: { accept: TABLE } })
      out.push({ what: `${tag} list PartialObjectMetadata`, path: coll, headers: { accept: METADATA_LIST } })
      out.push({ what: `${tag} list yaml`, path: coll, headers: { accept: 'application/yaml' } })
      out.push({ what: `${tag} list protobuf`, path: coll, headers: { accept: PROTOBUF } })
      out.push({ what: `${tag} list labelSelector`, path: `${coll}?labelSelector=${encodeURIComponent('app in (sweep,deployment)')}` })
      const field = resource === 'secrets' ? 'type=Opaque' : resource === 'events' ? 'involvedObject.name=web' : 'metadata.name!=none'
      out.push({ what: `${tag} list fieldSelector`, path: `${coll}?fieldSelector=${encodeURIComponent(field)}` })
      out.push({ what: `${tag} list fieldSelector on a secret field`, path: `${coll}?fieldSelector=${encodeURIComponent('spec.password=x')}` })
    }
    if (r.verbs.includes('list')) {
      out.push({ what: `${tag} list Table includeObject=Metadata`, path: `${coll}?includeObject=Metadata`, headers: { accept: TABLE } })
      out.push({ what: `${tag} list Table v1beta1`, path: `${coll}?includeObject=Object`, headers: { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' } })
      out.push({ what: `${tag} list CBOR`, path: coll, headers: { accept: 'application/cbor' } })
      out.push({ what: `${tag} list pretty`, path: `${coll}?pretty=true` })
      out.push({ what: `${tag} list any type`, path: coll, headers: { accept: '*/*' } })
    }
    if (r.verbs.includes('watch')) {
      out.push({ what: `${tag} watch`, path: `${coll}?watch=1&resourceVersion=0`, watchMs: 600 })
      out.push({ what: `${tag} watch Table`, path: `${coll}?watch=1&resourceVersion=0&includeObject=Object`, headers: { accept: TABLE }, watchMs: 600 })
    }
    // The other watch shapes where there is something to watch (an empty watch answers only when cut).
    if (r.verbs.includes('watch') && objects.length > 0) {
      out.push({ what: `${tag} watch PartialObjectMetadata`, path: `${coll}?watch=1&resourceVersion=0`, headers: { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' }, watchMs: 600 })
      out.push({ what: `${tag} watch stream=watch`, path: `${coll}?watch=1&resourceVersion=0`, headers: { accept: 'application/json;stream=watch' }, watchMs: 600 })
      out.push({ what: `${tag} watch protobuf`, path: `${coll}?watch=1&resourceVersion=0`, headers: { accept: 'application/vnd.kubernetes.protobuf;stream=watch' }, watchMs: 600 })
      out.push({ what: `${tag} watch list (initial events)`, path: `${coll}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, watchMs: 600 })
    }
    for (const o of objects) {
      const path = `${coll}/${o.name}`
      if (r.verbs.includes('get')) {
        out.push({ what: `${tag} get`, path })
        out.push({ what: `${tag} get Table`, path: `${path}?includeObject=Object`, headers: { accept: TABLE } })
        out.push({ what: `${tag} get PartialObjectMetadata`, path, headers: { accept: METADATA } })
        out.push({ what: `${tag} get yaml`, path, headers: { accept: 'application/yaml' } })
        out.push({ what: `${tag} get protobuf`, path, headers: { accept: PROTOBUF } })
      }
      if (r.verbs.includes('patch')) {
        out.push({ what: `${tag} dry-run patch`, path: `${path}?dryRun=All`, method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { sweep: 'dry' } } }) })
      }
      if (r.verbs.includes('create')) {
        // A create echoes what was sent: the object itself under another name, values and all.
        const manifest = { ...o.manifest, metadata: { ...(o.manifest.metadata as object), name: `${o.name}-copy` } }
        out.push({ what: `${tag} dry-run create (echo)`, path: `${coll}?dryRun=All`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(manifest) })
      }
    }
  }
  return out
}

export interface SweepAnswer { status: number; headers: Record<string, unknown>; body: string }

/** One request to prod-k8s through the reverse route as the agent; a watch is read for watchMs, then cut, and
 *  what came before the cut is its answer. */
export function agentRequest(k: KubeAttack, r: SweepRequest): Promise<SweepAnswer> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (a: SweepAnswer) => { if (!settled) { settled = true; resolve(a) } }
    const chunks: Buffer[] = []
    let status = 0
    let headers: Record<string, unknown> = {}
    const req = https.request(`${k.g.reverse.url}/t/prod-k8s${r.path}`, { method: r.method ?? 'GET', rejectUnauthorized: false, headers: { authorization: `Bearer ${k.token}`, ...r.headers } }, (res) => {
      status = res.statusCode!
      headers = res.headers
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => finish({ status, headers, body: Buffer.concat(chunks).toString('latin1') }))
      res.on('error', () => finish({ status, headers, body: Buffer.concat(chunks).toString('latin1') }))
      res.on('close', () => finish({ status, headers, body: Buffer.concat(chunks).toString('latin1') }))
    })
    const timer = setTimeout(() => req.destroy(), r.watchMs ?? 20_000)
    req.on('close', () => clearTimeout(timer))
    req.on('error', () => finish({ status, headers, body: Buffer.concat(chunks).toString('latin1') }))
    req.end(r.body)
  })
}

export type Outcome = 'denied' | 'held' | 'withheld' | 'allowed'

/** A Warden refusal names itself (`warden: …`); a hold that no reviewer approved says so; an answer Warden could
 *  not mask (a binary body) is withheld. */
export function outcome(a: SweepAnswer): Outcome {
  if (a.status === 502 && a.body.includes('"http.mask_failed"')) return 'withheld'
  if (a.status === 403 && a.body.includes('warden: ')) return a.body.includes('held for approval') ? 'held' : 'denied'
  return 'allowed'
}

/** The seeded values an answer carries (body or headers), each with the marker form found. */
export function leaksIn(a: SweepAnswer, seeds: Seed[]): Seed[] {
  const text = `${JSON.stringify(a.headers)}\n${a.body}`
  return seeds.filter((s) => markers(s.value).some((m) => text.includes(m)))
}

/** Runs `fn` over `items`, `width` at a time. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }))
  return out
}
