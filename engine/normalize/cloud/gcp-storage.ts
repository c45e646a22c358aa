// Cloud Storage: the JSON API (/storage/v1/b/B/o/O, uploads under /upload/storage/v1) and the XML API
// (storage.googleapis.com/B/O or B.storage.googleapis.com/O). Resources are named as in audit logs:
// projects/_/buckets/B/objects/O. ACL endpoints are IAM policy reads and writes.
import type { CloudCommand } from '../../types.ts'
import { normalizeHttp, percentDecode, rawSegments } from '../http.ts'
import { withSources } from './copy-source.ts'
import { gcpCommand, gcpUnknown } from './gcp-command.ts'
import { gcsCopySource, gcsSource, goFieldName, joinReadings, jsonComposeSources, xmlComposeSources } from './gcp-storage-sources.ts'
import { restVerb, type CloudRequest } from './request.ts'

const bucketPath = (bucket: string) => `projects/_/buckets/${bucket}`
// Bucket naming rules: lower-case letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit,
// at most 222 characters (Google asks for 3 at least; emulators take shorter ones). Any other first segment is
// no bucket (fake-gcs-server serves its own /_internal/… endpoints there, delete_all among them): not classified.
const BUCKET_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,220}[a-z0-9])?$/
const objectPath = (bucket: string, object: string) => `${bucketPath(bucket)}/objects/${object}`

function storage(resourceType: string, operation: string, resource: string): CloudCommand {
  const verb = operation === 'patch' ? 'update' : operation
  return gcpCommand({ service: 'storage', method: `storage.${resourceType}.${verb}`, operation, resource })
}

/** ACL reads are getIamPolicy, ACL writes setIamPolicy. */
function acl(resourceType: string, method: string, resource: string): CloudCommand {
  return storage(resourceType, method === 'GET' || method === 'HEAD' ? 'getIamPolicy' : 'setIamPolicy', resource)
}

/** list or create on a collection; anything else there is not a Storage call. */
function collection(req: CloudRequest, resourceType: string, resource: string): CloudCommand {
  const operation = restVerb(req.method, true)
  return operation === 'list' || operation === 'create' ? storage(resourceType, operation, resource) : gcpUnknown('storage', resource)
}

/**
 * `segs`: the path after `/o/`. The server reads an object name as the rest of the path (fake-gcs-server routes
 * `/o/{objectName:.+}`), so a literal slash is part of the name: only the sub-routes below end it. An ACL route
 * is taken as one whatever the method (the stricter reading where the server would take `…/acl` as a name).
 */
function objectRequest(req: CloudRequest, bucket: string, segs: string[]): CloudCommand {
  const name = (parts: string[]) => objectPath(bucket, parts.join('/'))
  const n = segs.length
  if (n >= 2 && segs[n - 1] === 'acl') return acl('objects', req.method, name(segs.slice(0, -1)))
  if (n >= 3 && segs[n - 2] === 'acl') return acl('objects', req.method, name(segs.slice(0, -2)))
  if (req.method === 'POST') {
    if (n >= 2 && segs[n - 1] === 'compose') {
      const destination = segs.slice(0, -1).join('/')
      return withSources(storage('objects', 'compose', objectPath(bucket, destination)), jsonComposeSources(normalizeHttp(req.raw).body, bucket, destination))
    }
    // SOURCE/rewriteTo/b/BUCKET/o/DESTINATION: the write lands on the destination; the source is read. The server
    // matches the route with a greedy source name (fake-gcs-server: `{sourceObject:.+}/rewriteTo/…`), so a path
    // naming the sub-route twice reads another source than the first split would: refused.
    const copies = segs.flatMap((s, i) => i > 0 && (s === 'rewriteTo' || s === 'copyTo') && segs[i + 1] === 'b' && segs[i + 3] === 'o' && i + 4 < n ? [i] : [])
    const copy = copies[0]
    if (copy !== undefined) {
      const command = storage('objects', segs[copy] === 'rewriteTo' ? 'rewrite' : 'copy', objectPath(segs[copy + 2]!, segs.slice(copy + 4).join('/')))
      if (copies.length > 1) return withSources(command, { error: 'the path names rewriteTo or copyTo more than once: the server may read another source and destination' })
      const generation = req.query.sourceGeneration
      if (generation !== undefined && (generation.length > 1 || !/^[0-9]{1,20}$/.test(generation[0]!))) {
        return withSources(command, { error: 'sourceGeneration is not one number' })
      }
      return withSources(command, { sources: [gcsSource(bucket, segs.slice(0, copy).join('/'), generation?.[0])] })
    }
  }
  const operation = restVerb(req.method, false)
  return operation === 'unknown' ? gcpUnknown('storage', name(segs)) : storage('objects', operation, name(segs))
}

/**
 * Whether an insert's JSON metadata names another bucket than its path, or another object than its `name`
 * parameter: fake-gcs-server creates a resumable upload's object in the bucket its body names (names matched in
 * any case, as Go decodes JSON). Such an insert is not classified.
 */
function metadataElsewhere(req: CloudRequest, bucket: string, name: string | undefined): boolean {
  if (req.raw.body === undefined || req.raw.body.length === 0) return false
  const body = normalizeHttp(req.raw).body
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false
  return Object.entries(body).some(([key, value]) => {
    const k = goFieldName(key)
    return (k === 'bucket' && value !== bucket) || (k === 'name' && name !== undefined && value !== name)
  })
}

function jsonApi(req: CloudRequest, segs: string[]): CloudCommand {
  const [b, bucket, sub, object] = segs
  if (b === 'projects' && sub === 'hmacKeys') {
    const resource = segs.join('/')
    const operation = restVerb(req.method, object === undefined)
    return operation === 'unknown' ? gcpUnknown('storage', resource) : storage('hmacKeys', operation, resource)
  }
  if (b !== 'b') return gcpUnknown('storage', segs.join('/'))
  if (bucket === undefined) return collection(req, 'buckets', 'projects/_/buckets')
  if (!BUCKET_NAME.test(bucket)) return gcpUnknown('storage', segs.join('/'))
  const resource = bucketPath(bucket)
  if (sub === undefined) {
    const operation = restVerb(req.method, false)
    return operation === 'unknown' ? gcpUnknown('storage', resource) : storage('buckets', operation, resource)
  }
  if (sub === 'iam') {
    if (object === 'testPermissions') return storage('buckets', 'testIamPermissions', resource)
    if (object === undefined) return storage('buckets', req.method === 'PUT' ? 'setIamPolicy' : 'getIamPolicy', resource)
  }
  if (sub === 'acl' || sub === 'defaultObjectAcl') return acl('buckets', req.method, resource)
  if (sub === 'o' && object === undefined) {
    const name = req.query.name?.[0]
    if (req.method === 'POST' && metadataElsewhere(req, bucket, name)) return gcpUnknown('storage', `${resource}/objects`)
    if (req.method === 'POST' && name) return storage('objects', 'create', objectPath(bucket, name))
    // The chunks of a resumable upload go to its session (upload_id), which a judged POST opened.
    if (req.method === 'PUT' && req.query.upload_id?.[0]) return storage('objects', 'create', `${resource}/objects`)
    return collection(req, 'objects', `${resource}/objects`)
  }
  if (sub === 'o' && object !== undefined) return objectRequest(req, bucket, segs.slice(3))
  return gcpUnknown('storage', segs.join('/'))
}

const BUCKET_OPERATIONS: Record<string, [string, string]> = {
  GET: ['objects', 'list'], HEAD: ['buckets', 'get'], PUT: ['buckets', 'create'], DELETE: ['buckets', 'delete'],
  POST: ['objects', 'create'],
}
const OBJECT_OPERATIONS: Record<string, string> = { GET: 'get', HEAD: 'get', PUT: 'create', POST: 'create', DELETE: 'delete' }

// The query parameters of XML API writes that the operations below are read with. Any other names a subresource
// (PUT /bucket?cors, ?defaultObjectAcl, ?iamPolicy, ?lifecycle, ?logging, ?website, ?billing, ?encryptionConfig …),
// each a write of its own whose XML body Warden does not read: judged by the method alone, PUT ?defaultObjectAcl
// was a bucket create.
// @see https://cloud.google.com/storage/docs/xml-api/reference-methods
const XML_WRITE_PARAMETERS = new Set(['acl', 'compose', 'uploads', 'uploadId', 'partNumber', 'generation', 'userProject'])

/** XML API: the object name is the rest of the raw path, decoded, with no dot-segment or slash folding. */
function xmlApi(req: CloudRequest, bucket: string | undefined, rawObject: string): CloudCommand {
  const hasAcl = req.query.acl !== undefined
  if (bucket === undefined) return storage('buckets', 'list', 'projects/_/buckets')
  if (!BUCKET_NAME.test(bucket)) return gcpUnknown('storage', [bucket, rawObject].filter(Boolean).join('/'))
  const copySource = gcsCopySource(req.raw.headers, req.query)
  const write = req.method !== 'GET' && req.method !== 'HEAD'
  if (write && Object.keys(req.query).some((name) => !XML_WRITE_PARAMETERS.has(name))) return withSources(gcpUnknown('storage', [bucket, rawObject].filter(Boolean).join('/')), copySource)
  const object = percentDecode(rawObject)
  if (object === '') {
    const resource = bucketPath(bucket)
    if (hasAcl) return withSources(acl('buckets', req.method, resource), copySource)
    const [type, operation] = BUCKET_OPERATIONS[req.method] ?? []
    return withSources(type && operation ? storage(type, operation, resource) : gcpUnknown('storage', resource), copySource)
  }
  const resource = objectPath(bucket, object)
  // PUT ?compose: the body names the components, read from the same bucket.
  const compose = req.method === 'PUT' && req.query.compose !== undefined
  const reading = joinReadings([compose ? xmlComposeSources(req.raw, bucket) : undefined, copySource])
  if (hasAcl) return withSources(acl('objects', req.method, resource), reading)
  if (compose) return withSources(storage('objects', 'compose', resource), reading)
  if (req.method === 'PUT' && copySource !== undefined) return withSources(storage('objects', 'copy', resource), reading)
  const operation = OBJECT_OPERATIONS[req.method]
  return withSources(operation ? storage('objects', operation, resource) : gcpUnknown('storage', resource), reading)
}

export function gcpStorage(req: CloudRequest): CloudCommand {
  const virtualBucket = /^(.+)\.storage\.googleapis\.com$/.exec(req.hostname)?.[1]
  if (virtualBucket !== undefined) return xmlApi(req, virtualBucket, req.rawPath.replace(/^\//, ''))
  const segs = rawSegments(req.rawPath)
  if (segs.includes('.') || segs.includes('..')) return gcpUnknown('storage', segs.join('/'))
  const lead = segs[0] === 'upload' || segs[0] === 'download' || segs[0] === 'batch' ? segs[0] : undefined
  const api = lead ? segs.slice(1) : segs
  if (api[0] === 'storage' && api[1] === 'v1') {
    if (lead === 'batch') return gcpCommand({ service: 'storage', method: 'storage.batch', operation: 'batch', resource: '' })
    return jsonApi(req, api.slice(2))
  }
  const rawParts = req.rawPath.replace(/^\/+/, '').split('/')
  const bucket = rawParts[0] ? percentDecode(rawParts[0]) : undefined
  return xmlApi(req, bucket, rawParts.slice(1).join('/'))
}
