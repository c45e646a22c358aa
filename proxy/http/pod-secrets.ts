// The `kubernetes_pod_secrets` mask source (engine/obligations/mask/sources.ts): a pod's log prints what the pod
// was given, so the values of every Secret the pod can see, and the literal env values its reads mask, are hidden
// in it wherever they appear, whatever their format (a detector knows token formats; a database password like
// `hunter2-prod-xyz` has none). The policy asks for it (policies/rules/kubernetes/masks.rego, pods/log under
// content masking); this file only enforces it.
//
// With the gateway's own credential it reads the pod, then each Secret its spec names: env valueFrom.secretKeyRef,
// envFrom secretRef (containers, initContainers, ephemeralContainers), volumes' secret and projected secret
// sources. Every key of each such Secret counts (a secretKeyRef or a volume's items pick keys, but the pod's other
// containers, or a later spec, may see the rest), service-account-token Secrets included. container= and
// previous= do not narrow it: all of the pod's Secrets apply to every log of it.
//
// Each value is hidden whole and, when it spans lines, line by line: a log is written a line at a time, and
// `timestamps=true` (or the program's own prefix) puts text before each line, so a multi-line value (a config
// file, a PEM key) never appears whole. A line, like a value, shorter than MIN_SECRET_LENGTH (8) stays: replacing
// every `true` or `admin` in a log would break it and hide little. The log is searched for all of them in one pass
// (value-search.ts): a value that holds another, or overlaps it, is hidden whole.
//
// A ConfigMap value the detectors know (by its key, db_password, or by the assignment it holds, db.password=… in a
// properties file) is masked in every read of the ConfigMap; printed bare in a log, no name tells a detector what it
// is. So the ConfigMaps the pod names (env configMapKeyRef, envFrom configMapRef, configMap and projected configMap
// volumes) are read too, and the values their reads mask are hidden in the log like the Secrets' (mask by origin).
//
// Anything that keeps the gateway from knowing the values (the pod or a Secret unreadable with its credential:
// RBAC, 404, a timeout, an answer that is no such object; an inline CSI volume, whose driver mounts secrets no
// Secret holds; a Secret or ConfigMap written since the pod was created) refuses the log: the request's masks
// cannot be honoured, and nothing of the log is asked for.
import type { KubernetesCommand } from '../../engine/types.ts'
import { findSpans, resolveDetectors } from '../../engine/obligations/mask/detectors/index.ts'
import { isSecretName } from '../../engine/obligations/mask/detectors/secret-names.ts'
import { decodeBody } from './encoding.ts'
import { HttpGatewayError } from './errors.ts'
import { readAll } from './mask-response.ts'
import { formsFor, MIN_SECRET_LENGTH } from './response-credential.ts'
import type { UpstreamResponse } from './upstream.ts'

/** How long the pod and its Secrets may take to read, all together, before the log is refused. */
export const LOOKUP_TIMEOUT_MS = 10_000
/** Largest pod or Secret answer read (the apiserver stores objects of about 1.5 MB at most). */
const MAX_OBJECT_BYTES = 4 * 1024 * 1024
/** Secrets one pod may name; more is refused rather than read. */
const MAX_SECRETS = 256
// The values are searched for in one pass (value-search.ts), whatever their number; this bounds what one log
// request holds: a pod whose Secrets hold more distinct values and lines than this has its log refused.
const MAX_VALUES = 8192

/** Reads one object of the upstream with the gateway's credential: its status and body. */
export type ReadObject = (path: string, signal: AbortSignal) => Promise<UpstreamResponse>

const refused = (message: string, cause?: unknown) =>
  new HttpGatewayError(502, 'http.mask_failed', `the decision requires this pod's Secret values to be masked in its log, but ${message}; the log was not requested`, { cause })

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const nameOf = (v: unknown): string | undefined => (isObject(v) && typeof v.name === 'string' && v.name !== '' ? v.name : undefined)

/** Where a pod's spec names objects of one kind: env valueFrom, envFrom, a volume, a projected volume's source. */
interface Refs {
  keyRef: string
  envFrom: string
  volume: (v: Json) => string | undefined
  projected: string
}

const SECRET_REFS: Refs = {
  keyRef: 'secretKeyRef',
  envFrom: 'secretRef',
  volume: (v) => (isObject(v.secret) && typeof v.secret.secretName === 'string' && v.secret.secretName !== '' ? v.secret.secretName : undefined),
  projected: 'secret',
}
const CONFIG_MAP_REFS: Refs = { keyRef: 'configMapKeyRef', envFrom: 'configMapRef', volume: (v) => nameOf(v.configMap), projected: 'configMap' }

/** The names of the objects of one kind a pod's spec hands to its containers, sorted. */
function namesOf(pod: unknown, refs: Refs): string[] {
  const names = new Set<string>()
  const spec = isObject(pod) && isObject(pod.spec) ? pod.spec : {}
  const add = (name: string | undefined) => {
    if (name !== undefined) names.add(name)
  }
  for (const group of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of list(spec[group])) {
      if (!isObject(c)) continue
      for (const e of list(c.env)) if (isObject(e) && isObject(e.valueFrom)) add(nameOf(e.valueFrom[refs.keyRef]))
      for (const e of list(c.envFrom)) if (isObject(e)) add(nameOf(e[refs.envFrom]))
    }
  }
  for (const v of list(spec.volumes)) {
    if (!isObject(v)) continue
    add(refs.volume(v))
    if (isObject(v.projected)) for (const s of list(v.projected.sources)) if (isObject(s)) add(nameOf(s[refs.projected]))
  }
  return [...names].sort()
}

/**
 * The driver of a pod's first inline CSI volume, if it has one: the Secrets Store CSI driver mounts a cloud secret
 * manager's or Vault's values, cert-manager's a certificate's private key. Values no Secret holds: unknown to the
 * gateway, so a log that may print them cannot be masked. (A persistent volume's CSI source is storage: not here.)
 */
export function csiDriverOf(pod: unknown): string | undefined {
  const spec = isObject(pod) && isObject(pod.spec) ? pod.spec : {}
  for (const v of list(spec.volumes)) {
    if (isObject(v) && isObject(v.csi)) return typeof v.csi.driver === 'string' ? v.csi.driver : ''
  }
  return undefined
}

/** The names of the Secrets a pod's spec hands to its containers (env, envFrom, secret and projected volumes). */
export const secretNamesOf = (pod: unknown): string[] => namesOf(pod, SECRET_REFS)

/** The names of the ConfigMaps a pod's spec hands to its containers (env, envFrom, configMap and projected volumes). */
export const configMapNamesOf = (pod: unknown): string[] => namesOf(pod, CONFIG_MAP_REFS)

const ALL_DETECTORS = resolveDetectors('all')!

/**
 * The values a ConfigMap's reads mask, and the lines of each multi-line one (at least MIN_SECRET_LENGTH long): a
 * value whose key names a secret, whole; in any value, what a detector finds (an assignment's value, a token).
 * binaryData is read as the UTF-8 text it encodes.
 */
export function configMapMaskedValues(configMap: unknown): string[] {
  const out: string[] = []
  const read = (key: string, value: string) => {
    if (isSecretName(key)) addValue(out, value)
    for (const span of findSpans(value, ALL_DETECTORS)) addValue(out, value.slice(span.start, span.end))
  }
  const data = isObject(configMap) && isObject(configMap.data) ? configMap.data : {}
  for (const [key, value] of Object.entries(data)) if (typeof value === 'string') read(key, value)
  const binary = isObject(configMap) && isObject(configMap.binaryData) ? configMap.binaryData : {}
  for (const [key, encoded] of Object.entries(binary)) {
    if (typeof encoded !== 'string') continue
    try {
      read(key, utf8.decode(Buffer.from(encoded, 'base64')))
    } catch {
      // No UTF-8 text: nothing a text log prints as itself.
    }
  }
  return out
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The values a Secret object holds, decoded, and the lines of each multi-line one; at least MIN_SECRET_LENGTH
 * long. A value that is no UTF-8 text (a keystore) cannot be printed as itself in a text log, and is left out.
 */
export function secretValues(secret: unknown): string[] {
  const data = isObject(secret) && isObject(secret.data) ? secret.data : {}
  const out: string[] = []
  for (const encoded of Object.values(data)) {
    if (typeof encoded !== 'string') continue
    let value: string
    try {
      value = utf8.decode(Buffer.from(encoded, 'base64'))
    } catch {
      continue
    }
    addValue(out, value)
  }
  return out
}

/**
 * The literal env values of a pod's containers (env[].value): every read of the pod masks them (credentials are
 * pasted there as often as into Secrets), so its log, which prints what the pod was given, hides them as well.
 */
export function literalEnvValues(pod: unknown): string[] {
  const spec = isObject(pod) && isObject(pod.spec) ? pod.spec : {}
  const out: string[] = []
  for (const group of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of list(spec[group])) {
      if (!isObject(c)) continue
      for (const e of list(c.env)) if (isObject(e) && typeof e.value === 'string') addValue(out, e.value)
    }
  }
  return out
}

/** A value, and the lines of a multi-line one, at least MIN_SECRET_LENGTH long. */
function addValue(out: string[], value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) out.push(value)
  if (!/[\r\n]/.test(value)) return
  for (const line of value.split(/\r?\n|\r/)) {
    const trimmed = line.trim()
    if (trimmed.length >= MIN_SECRET_LENGTH) out.push(trimmed)
    if (line !== trimmed && line.length >= MIN_SECRET_LENGTH) out.push(line)
  }
}

/** The forms to hide (as is and JSON-escaped), longest first. */
export function podSecretForms(values: Iterable<string>): string[] {
  return formsFor(values).sort((a, b) => b.length - a.length)
}

async function readJson(read: ReadObject, path: string, what: string, signal: AbortSignal): Promise<Json> {
  let res: UpstreamResponse
  try {
    res = await read(path, signal)
  } catch (err) {
    throw refused(`${what} could not be read (${signal.aborted ? `no answer within ${LOOKUP_TIMEOUT_MS / 1000}s` : (err as Error).message})`, err)
  }
  const status = res.statusCode ?? 0
  if (status !== 200) {
    res.on('error', () => undefined)
    res.destroy()
    // The status only: the apiserver's message names the gateway's own user, which is none of the agent's business.
    const why = status === 403 ? 'the gateway\'s credential may not read it' : status === 404 ? 'it does not exist' : 'the upstream refused it'
    throw refused(`${what} could not be read with the gateway's credential (${status}: ${why})`)
  }
  try {
    const raw = await readAll(res)
    const body = decodeBody(raw, res.headers['content-encoding'] as string | undefined, MAX_OBJECT_BYTES, what)
    if (body.byteLength > MAX_OBJECT_BYTES) throw new Error(`larger than ${MAX_OBJECT_BYTES} bytes`)
    const doc: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
    if (!isObject(doc)) throw new Error('not a JSON object')
    return doc
  } catch (err) {
    throw refused(`${what} could not be read (${signal.aborted ? `no answer within ${LOOKUP_TIMEOUT_MS / 1000}s` : (err as Error).message})`, err)
  }
}

const segment = encodeURIComponent

/** An RFC 3339 time of the apiserver's (whole seconds), in ms since the epoch; undefined when it is none. */
const timeOf = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN
  return Number.isFinite(ms) ? ms : undefined
}

/**
 * When an object was last written, as the apiserver tells it: the latest of its creation and of the time of each
 * write its managedFields record (every create, update, patch and apply records its manager's time). Undefined
 * when that cannot be told: no managedFields (a write can strip them), or a time that is none.
 */
export function lastWritten(object: Json): number | undefined {
  const metadata = isObject(object.metadata) ? object.metadata : {}
  const created = timeOf(metadata.creationTimestamp)
  const managed = list(metadata.managedFields)
  if (created === undefined || managed.length === 0) return undefined
  let last = created
  for (const entry of managed) {
    const time = isObject(entry) ? timeOf(entry.time) : undefined
    if (time === undefined) return undefined
    last = Math.max(last, time)
  }
  return last
}

/** The ConfigMap holding the cluster's CA certificate, published in every namespace (rootcacertpublisher). */
const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt'

/** A resourceVersion as etcd writes it (the revision of the object's last write), or undefined when it is no number. */
const revisionOf = (object: Json): bigint | undefined => {
  const v = isObject(object.metadata) ? object.metadata.resourceVersion : undefined
  return typeof v === 'string' && /^[0-9]{1,30}$/.test(v) ? BigInt(v) : undefined
}

/** When the pod was created, and the revision of its last write (its own, or its status: the kubelet's). */
interface PodWritten {
  created: number
  revision?: bigint
}

/** When an object was last written through the gateway (kube-writes.ts), in ms, if the gateway knows of a write. */
export type WrittenThrough = (resource: 'secrets' | 'configmaps', name: string) => number | undefined

/**
 * The gateway's clock and the apiserver's differ a little, and a write is noted as it is forwarded: one noted up to
 * this long before the pod was created counts as after it (a pod made just after a write started with the new
 * values; its log is refused all the same, rather than one made just before it served bare).
 */
export const CLOCK_MARGIN_MS = 2_000

/**
 * Refuses the log when an object the pod names was written after the pod was created: the pod printed what the
 * object held when it started (env is read once, a volume is updated in place), and the gateway knows only what
 * the object holds now. A value overwritten, a key removed, or the object deleted and made again under its name
 * (by the agent, in a namespace where its writes pass) would otherwise come out of the log bare. Told two ways:
 * - its creation or a write its managedFields record is later than the pod's creation (the apiserver's whole
 *   seconds: a write within the pod's own second counts as before it);
 * - the gateway forwarded a write of it after the pod was created (kube-writes.ts): a write that leaves no time
 *   behind (a JSON patch removing a key drops it from every manager's fields and records no manager; a write may
 *   set managedFields to anything) is one the agent made through the gateway;
 * - its resourceVersion is later than the pod's: such a write by someone else still moves it. The pod's own
 *   revision moves with its status (and any write to it), so this tells only of writes after the pod's last one;
 *   etcd's revisions are numbers, and another store's (not numbers) are not compared.
 */
function checkNotRewritten(object: Json, what: string, pod: PodWritten, through: number | undefined): void {
  const written = lastWritten(object)
  if (written === undefined) throw refused(`${what} does not say when it was last written (no metadata.managedFields), so the values its pod printed may not be the ones it holds now`)
  const revision = revisionOf(object)
  const later = written > pod.created ? `at ${new Date(written).toISOString()}`
    : through !== undefined && through > pod.created - CLOCK_MARGIN_MS ? `through the gateway at ${new Date(through).toISOString()}`
    : revision !== undefined && pod.revision !== undefined && revision > pod.revision ? `at revision ${revision}` : undefined
  if (later !== undefined) {
    throw refused(`${what} was written ${later}, after the pod was created (${new Date(pod.created).toISOString()}): the log may print values it held before, which the gateway cannot know; a pod created since (a restarted one) has its log masked`)
  }
}

/**
 * The forms of every value of the Secrets the pod named by a pods/log request can see, read with `read` (the
 * gateway's credential); throws http.mask_failed when they cannot all be known. `signal`: the client going away.
 */
export async function lookUpPodSecrets(kube: KubernetesCommand | undefined, read: ReadObject, signal?: AbortSignal, through: WrittenThrough = () => undefined): Promise<string[]> {
  const ns = kube?.namespace ?? ''
  const name = kube?.name ?? ''
  if (!kube || !kube.is_resource_request || kube.api_group !== '' || kube.resource !== 'pods' || kube.subresource !== 'log' || ns === '' || name === '') {
    throw refused('this request reads no named pod\'s log (the gateway looks up a pod\'s Secrets for GET /api/v1/namespaces/NS/pods/NAME/log only)')
  }
  const timeout = AbortSignal.timeout(LOOKUP_TIMEOUT_MS)
  const within = signal ? AbortSignal.any([signal, timeout]) : timeout
  const base = `/api/v1/namespaces/${segment(ns)}`
  const pod = await readJson(read, `${base}/pods/${segment(name)}`, `pod ${ns}/${name}`, within)
  if (pod.kind !== 'Pod') throw refused(`pod ${ns}/${name} was answered with no Pod`)
  const driver = csiDriverOf(pod)
  if (driver !== undefined) throw refused(`pod ${ns}/${name} mounts an inline CSI volume (driver ${JSON.stringify(driver.slice(0, 100))}), which hands it secrets from outside the cluster (a secret manager's, Vault's, a certificate's key) that the gateway cannot read`)
  const names = secretNamesOf(pod)
  if (names.length > MAX_SECRETS) throw refused(`pod ${ns}/${name} names ${names.length} Secrets, more than the ${MAX_SECRETS} the gateway reads`)
  const configMapNames = configMapNamesOf(pod)
  if (configMapNames.length > MAX_SECRETS) throw refused(`pod ${ns}/${name} names ${configMapNames.length} ConfigMaps, more than the ${MAX_SECRETS} the gateway reads`)
  const [secrets, configMaps] = await Promise.all([
    Promise.all(names.map((s) => readJson(read, `${base}/secrets/${segment(s)}`, `Secret ${ns}/${s} (which pod ${name} uses)`, within))),
    // A ConfigMap that is gone refuses the log, as a Secret does: the pod may have printed what it held before it
    // was deleted (by the agent, in a namespace where its writes pass).
    Promise.all(configMapNames.map((c) => readJson(read, `${base}/configmaps/${segment(c)}`, `ConfigMap ${ns}/${c} (which pod ${name} uses)`, within))),
  ])
  const created = timeOf(isObject(pod.metadata) ? pod.metadata.creationTimestamp : undefined)
  if (created === undefined && names.length + configMapNames.length > 0) throw refused(`pod ${ns}/${name} does not say when it was created, so whether its Secrets and ConfigMaps changed since cannot be told`)
  const written: PodWritten = { created: created!, revision: revisionOf(pod) }
  const values = new Set<string>(literalEnvValues(pod))
  secrets.forEach((secret, i) => {
    if (secret.kind !== 'Secret') throw refused(`Secret ${ns}/${names[i]} was answered with no Secret`)
    checkNotRewritten(secret, `Secret ${ns}/${names[i]} (which pod ${name} uses)`, written, through('secrets', names[i]!))
    for (const v of secretValues(secret)) values.add(v)
  })
  configMaps.forEach((configMap, i) => {
    if (configMap.kind !== 'ConfigMap') throw refused(`ConfigMap ${ns}/${configMapNames[i]} was answered with no ConfigMap`)
    // Every pod's service-account volume names kube-root-ca.crt: the cluster's CA certificate, which a controller
    // publishes in each namespace (once it is made, maybe after the first pods) and writes again when the CA
    // changes. No read masks the CA certificate, so no earlier value of it was hidden: a rewrite refuses no log.
    if (configMapNames[i] !== ROOT_CA_CONFIG_MAP) checkNotRewritten(configMap, `ConfigMap ${ns}/${configMapNames[i]} (which pod ${name} uses)`, written, through('configmaps', configMapNames[i]!))
    for (const v of configMapMaskedValues(configMap)) values.add(v)
  })
  if (values.size > MAX_VALUES) throw refused(`pod ${ns}/${name}'s Secrets and env hold ${values.size} distinct values and lines, more than the ${MAX_VALUES} the gateway searches a log for`)
  return podSecretForms(values)
}
