// Google Cloud REST request → CloudCommand. The method is the IAM permission the call needs, in
// `SERVICE.RESOURCE.VERB` form (compute.instances.delete, secretmanager.versions.access); the resource is the
// resource path (projects/P/zones/Z/instances/I). What is not recognised is `unknown` and never read-only.
import type { CloudCommand } from '../../types.ts'
import { rawSegments, type RawHttpRequest } from '../http.ts'
import { gcpCommand, gcpUnknown } from './gcp-command.ts'
import { GCP_SERVICES, gcpApiName, type GcpService } from './gcp-services.ts'
import { gcpStorage } from './gcp-storage.ts'
import { cloudRequest, restVerb, type CloudRequest } from './request.ts'

const VERSION = /^(v\d+(?:(?:alpha|beta|p)\d*)*|alpha|beta)$/
// Dot segments would be resolved (or not) by Google's front end; a path that has them is not classified.
const DOT_SEGMENT = (seg: string) => seg === '.' || seg === '..'
const LOCATION_COLLECTIONS = new Set(['locations', 'zones', 'regions'])

/** Drops `/compute/v1`, `/sql/v1beta4`, `/v1` …; undefined when no version segment leads the path. */
function stripVersion(segs: string[]): string[] | undefined {
  if (segs[0] !== undefined && VERSION.test(segs[0])) return segs.slice(1)
  if (segs[1] !== undefined && VERSION.test(segs[1])) return segs.slice(2)
  return undefined
}

/** Splits `NAME:verb` off the last segment, for AIP custom methods (`secrets/S/versions/V:access`). */
function splitCustomVerb(segs: string[]): { segs: string[]; verb?: string } {
  const last = segs[segs.length - 1]
  const match = last === undefined ? null : /^(.*):([A-Za-z]+)$/.exec(last)
  if (!match) return { segs }
  const rest = segs.slice(0, -1)
  if (match[1] !== '') rest.push(match[1]!)
  return { segs: rest, verb: match[2]! }
}

interface Walk {
  collection: string
  endsOnId: boolean
  action?: string
  parts: string[]
}

/** Walks collection/id pairs; scopes take no id, and with known collections an unknown last segment is an action. */
function walk(spec: GcpService, segs: string[]): Walk {
  const out: Walk = { collection: '', endsOnId: false, parts: [] }
  for (let i = 0; i < segs.length; ) {
    const seg = segs[i]!
    if (spec.scopes?.has(seg)) {
      out.parts.push(seg)
      i += 1
      continue
    }
    if (spec.collections && out.endsOnId && i === segs.length - 1 && !spec.collections.has(seg)) {
      out.action = seg
      break
    }
    out.collection = seg
    out.parts.push(seg)
    const id = segs[i + 1]
    out.endsOnId = id !== undefined
    if (id !== undefined) out.parts.push(id)
    i += 2
  }
  return out
}

function regionOf(parts: string[]): string | undefined {
  for (let i = 0; i < parts.length - 1; i++) {
    if (LOCATION_COLLECTIONS.has(parts[i]!)) return parts[i + 1]
  }
  return undefined
}

function resourceApi(spec: GcpService, req: CloudRequest, segs: string[]): CloudCommand {
  const resourcePath = segs.join('/')
  const versionless = stripVersion(segs)
  if (!versionless || versionless.length === 0 || versionless.some(DOT_SEGMENT)) return gcpUnknown(spec.service, resourcePath)
  const { segs: pathSegs, verb: customVerb } = splitCustomVerb(versionless)
  const w = walk(spec, pathSegs)
  const action = w.action !== undefined && req.method === 'GET' ? spec.getActions?.[w.action] ?? w.action : w.action
  let operation = customVerb ?? action ?? restVerb(req.method, !w.endsOnId)
  // compute images/family/F is the image a family currently points at.
  if (spec.service === 'compute' && w.collection === 'images' && w.parts.at(-1) === 'family' && w.action) {
    operation = 'getFromFamily'
    w.parts.push(w.action)
  }
  if (operation === 'unknown' || w.collection === '') return gcpUnknown(spec.service, w.parts.join('/') || resourcePath)
  // A create names its new resource in the query (`?secretId=S`, `?functionId=F`).
  const newId = operation === 'create' ? req.query[`${w.collection.replace(/s$/, '')}Id`]?.[0] : undefined
  if (newId) w.parts.push(newId)
  const resourceType = spec.resourceNames?.[w.collection] ?? w.collection
  const permissionVerb = spec.verbs?.[operation] ?? (operation === 'patch' ? 'update' : operation)
  return gcpCommand({
    service: spec.service,
    method: `${spec.iam}.${resourceType}.${permissionVerb}`,
    operation,
    resource: w.parts.join('/'),
    region: regionOf(w.parts),
  })
}

/** Which API a request is for: by host, or by the first path segment on the shared www.googleapis.com. */
function route(req: CloudRequest, segs: string[]): { api: string; segs: string[] } | undefined {
  if (req.hostname === 'www.googleapis.com') {
    const [first, second] = segs
    if (first === 'upload' || first === 'download' || first === 'batch') return { api: second ?? '', segs }
    return { api: first ?? '', segs }
  }
  // BUCKET.storage.googleapis.com names its bucket first, not its API.
  if (req.hostname.endsWith('.storage.googleapis.com')) return { api: 'storage', segs }
  const api = gcpApiName(req.hostname)
  return api === undefined ? undefined : { api, segs }
}

export function normalizeGcp(raw: RawHttpRequest): CloudCommand {
  const req = cloudRequest(raw)
  const segs = rawSegments(req.rawPath)
  const routed = route(req, segs)
  if (!routed) return gcpUnknown(req.hostname || 'unknown', segs.join('/'))
  if (routed.api === 'storage') return gcpStorage(req)
  // Google serves Cloud Storage's JSON API on its own hosts only; an emulator at one upstream URL (fake-gcs-server)
  // serves it by the path, whatever the host: compute.googleapis.com/storage/v1/b/B/o/O/copyTo/… ran there as a
  // copy, judged as some compute call (its source never judged as the read it is).
  const api = segs[0] === 'upload' || segs[0] === 'download' || segs[0] === 'batch' ? segs[1] : segs[0]
  if (api === 'storage') return gcpUnknown(routed.api, segs.join('/'))
  const spec = GCP_SERVICES.get(routed.api)
  if (!spec) return gcpUnknown(routed.api, segs.join('/'))
  return resourceApi(spec, req, routed.segs)
}
