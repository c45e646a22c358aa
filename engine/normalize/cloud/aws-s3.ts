// S3 REST: the operation from the method, whether a bucket and key are addressed, and the subresource in the
// query (?acl, ?policy, ?uploads …). Keys are taken literally, as S3 does: decoded, no dot-segment folding.
import { headerValue, percentDecode } from '../http.ts'
import type { CloudRequest } from './request.ts'

export interface S3Call {
  operation: string
  bucket?: string
  key?: string
}

// [query subresource, operation] by method, for a bucket; first match wins.
const BUCKET_SUBRESOURCES: Record<string, Array<[string, string]>> = {
  GET: [
    ['acl', 'GetBucketAcl'], ['policy', 'GetBucketPolicy'], ['policyStatus', 'GetBucketPolicyStatus'],
    ['versioning', 'GetBucketVersioning'], ['location', 'GetBucketLocation'],
    ['lifecycle', 'GetBucketLifecycleConfiguration'], ['cors', 'GetBucketCors'], ['tagging', 'GetBucketTagging'],
    ['encryption', 'GetBucketEncryption'], ['website', 'GetBucketWebsite'], ['logging', 'GetBucketLogging'],
    ['notification', 'GetBucketNotificationConfiguration'], ['replication', 'GetBucketReplication'],
    ['publicAccessBlock', 'GetPublicAccessBlock'], ['ownershipControls', 'GetBucketOwnershipControls'],
    ['object-lock', 'GetObjectLockConfiguration'], ['uploads', 'ListMultipartUploads'],
    ['versions', 'ListObjectVersions'],
    // S3 Express: a GET that answers with session credentials for the bucket, not a listing.
    ['session', 'CreateSession'],
  ],
  PUT: [
    ['acl', 'PutBucketAcl'], ['policy', 'PutBucketPolicy'], ['versioning', 'PutBucketVersioning'],
    ['lifecycle', 'PutBucketLifecycleConfiguration'], ['cors', 'PutBucketCors'], ['tagging', 'PutBucketTagging'],
    ['encryption', 'PutBucketEncryption'], ['website', 'PutBucketWebsite'], ['logging', 'PutBucketLogging'],
    ['notification', 'PutBucketNotificationConfiguration'], ['replication', 'PutBucketReplication'],
    ['publicAccessBlock', 'PutPublicAccessBlock'], ['ownershipControls', 'PutBucketOwnershipControls'],
    ['object-lock', 'PutObjectLockConfiguration'],
  ],
  DELETE: [
    ['policy', 'DeleteBucketPolicy'], ['cors', 'DeleteBucketCors'], ['lifecycle', 'DeleteBucketLifecycle'],
    ['tagging', 'DeleteBucketTagging'], ['encryption', 'DeleteBucketEncryption'], ['website', 'DeleteBucketWebsite'],
    ['replication', 'DeleteBucketReplication'], ['publicAccessBlock', 'DeletePublicAccessBlock'],
    ['ownershipControls', 'DeleteBucketOwnershipControls'],
  ],
  POST: [['delete', 'DeleteObjects']],
}

const OBJECT_SUBRESOURCES: Record<string, Array<[string, string]>> = {
  GET: [
    ['acl', 'GetObjectAcl'], ['tagging', 'GetObjectTagging'], ['uploadId', 'ListParts'],
    ['attributes', 'GetObjectAttributes'], ['retention', 'GetObjectRetention'], ['legal-hold', 'GetObjectLegalHold'],
    ['torrent', 'GetObjectTorrent'],
  ],
  PUT: [
    ['acl', 'PutObjectAcl'], ['tagging', 'PutObjectTagging'], ['retention', 'PutObjectRetention'],
    ['legal-hold', 'PutObjectLegalHold'],
  ],
  DELETE: [['uploadId', 'AbortMultipartUpload'], ['tagging', 'DeleteObjectTagging']],
  POST: [
    ['uploads', 'CreateMultipartUpload'], ['uploadId', 'CompleteMultipartUpload'], ['restore', 'RestoreObject'],
    ['select', 'SelectObjectContent'],
  ],
}

const BUCKET_DEFAULTS: Record<string, string> = { HEAD: 'HeadBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket', POST: 'PutObject' }
const OBJECT_DEFAULTS: Record<string, string> = { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }

const subresource = (table: Array<[string, string]> | undefined, query: Record<string, string[]>) =>
  table?.find(([name]) => query[name] !== undefined)?.[1]

/**
 * The subresources of `query` that each pick an S3 operation for `method` (on a bucket or an object), when there
 * are two or more: S3 and its emulators pick one of them in their own order (moto runs PutBucketTagging for
 * `PUT ?cors&tagging`, judged here as PutBucketCors), so such a request is ambiguous. Empty otherwise.
 */
export function s3ConflictingSubresources(method: string, query: Record<string, string[]>): string[] {
  const names = new Set([...(BUCKET_SUBRESOURCES[method] ?? []), ...(OBJECT_SUBRESOURCES[method] ?? [])].map(([name]) => name))
  const asked = [...names].filter((name) => query[name] !== undefined)
  return asked.length > 1 ? asked : []
}

function objectOperation(req: CloudRequest): string {
  const copy = headerValue(req.raw.headers, 'x-amz-copy-source') !== undefined
  // A named subresource (?acl, ?tagging, ?retention …) is the operation even when upload-part parameters ride
  // along: those writes change more than a part does, so the more telling reading wins.
  const sub = subresource(OBJECT_SUBRESOURCES[req.method], req.query)
  if (sub) return sub
  if (req.method === 'PUT' && req.query.partNumber !== undefined && req.query.uploadId !== undefined) {
    return copy ? 'UploadPartCopy' : 'UploadPart'
  }
  if (req.method === 'PUT' && copy) return 'CopyObject'
  return OBJECT_DEFAULTS[req.method] ?? 'unknown'
}

function bucketOperation(req: CloudRequest): string {
  const sub = subresource(BUCKET_SUBRESOURCES[req.method], req.query)
  if (sub) return sub
  if (req.method === 'GET') return req.query['list-type']?.[0] === '2' ? 'ListObjectsV2' : 'ListObjects'
  // A POST to a bucket is a browser-form upload, which S3 takes only as multipart/form-data (and the policy reads
  // as access granted in fields it does not see). moto (werkzeug) takes a urlencoded form too: its acl field made
  // the object public, judged a plain upload. Any other body is no call S3 knows.
  if (req.method === 'POST' && !/^\s*multipart\/form-data\s*(;|$)/i.test(headerValue(req.raw.headers, 'content-type') ?? '')) return 'unknown'
  return BUCKET_DEFAULTS[req.method] ?? 'unknown'
}

const S3_CONTROL_PREFIX = 'v20180820'

/** `virtualBucket` comes from the host (BUCKET.s3…); otherwise the first path segment is the bucket. */
export function s3Call(req: CloudRequest, virtualBucket: string | undefined): S3Call {
  const path = req.rawPath.replace(/^\//, '')
  const slash = path.indexOf('/')
  const bucket = virtualBucket ?? (percentDecode(slash < 0 ? path : path.slice(0, slash)) || undefined)
  const rawKey = virtualBucket !== undefined ? path : slash < 0 ? '' : path.slice(slash + 1)
  const key = percentDecode(rawKey)
  if (bucket === undefined) return { operation: req.method === 'GET' ? 'ListBuckets' : 'unknown' }
  // moto serves S3 Control (account settings, access points) under /v20180820/ on the S3 endpoint: PUT
  // /v20180820/configuration/publicAccessBlock, judged an upload to a bucket of that name, turned off the
  // account's Block Public Access. Such a path-style bucket is no call Warden can name.
  if (virtualBucket === undefined && bucket === S3_CONTROL_PREFIX) return { operation: 'unknown', bucket }
  // Emulators serve their own control endpoints by the path, on every host: moto every path under /moto-api (a
  // reset, a recorder that stores uploaded requests and replays them, a dump of its state: PUT
  // /moto-api/recorder/upload-recording was judged an upload on staging), LocalStack /_localstack and /_aws. S3
  // names (legacy ones too) start with a letter or a digit.
  if (virtualBucket === undefined && (bucket.startsWith('moto-api') || !/^[a-z0-9]/i.test(bucket))) return { operation: 'unknown', bucket }
  // S3 reads no body on a GET or HEAD; moto reads a form body's fields as the request's parameters (a listing's
  // delimiter, start-after and markers), which the query judged never named.
  if ((req.method === 'GET' || req.method === 'HEAD') && (req.raw.body?.length ?? 0) > 0) return { operation: 'unknown', bucket }
  if (key === '') return { operation: bucketOperation(req), bucket }
  return { operation: objectOperation(req), bucket, key }
}
