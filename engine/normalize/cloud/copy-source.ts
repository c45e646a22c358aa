// The object a copy reads, from the header that names it: S3's x-amz-copy-source (CopyObject, UploadPartCopy) and
// Cloud Storage's x-goog-copy-source (the XML API's copy). A form Warden cannot read for certain is an error: the
// write is refused rather than judged on a guess.
import type { CloudCommand, CloudSource } from '../../types.ts'
import { headerValues, type RawHttpRequest, strictPercentDecode } from '../http.ts'

export type SourceReading = { sources: CloudSource[] } | { error: string }

/**
 * Every value a header takes, sent as a header or as a query parameter of the same name (any case): S3 reads
 * the x-amz-* headers a presigned URL carries in its query (the SDKs hoist them there), Cloud Storage its
 * x-goog-* ones.
 */
export function headerOrQueryValues(headers: RawHttpRequest['headers'], query: Record<string, string[]>, name: string): string[] {
  const fromQuery = Object.entries(query).filter(([key]) => key.toLowerCase() === name).flatMap(([, values]) => values)
  return [...headerValues(headers, name), ...fromQuery]
}


// Characters a URL parser takes apart before the name is decoded (Python's urlparse, which moto uses, cuts the
// path at `;` and `#`), a comma (two headers joined), a backslash, and controls: clients percent-encode all of them.
const UNREAD_CHARACTERS = /[;#,\\\x00-\x20\x7f]/
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/
const VERSION = /^[A-Za-z0-9._-]{1,1024}$/

/**
 * `/BUCKET/KEY` or `BUCKET/KEY`, percent-encoded, with an optional `?versionId=V` (the only parameter S3 reads
 * there). S3 and moto decode the path once, then split the bucket at the first `/`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
 */
export function s3CopySource(headers: RawHttpRequest['headers'], query: Record<string, string[]>, partition: string): SourceReading | undefined {
  // RenameObject (S3 Express One Zone: PUT KEY?renameObject) reads the object x-amz-rename-source names and
  // deletes it; judged as the destination's write, the source's read and delete would go unjudged.
  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_RenameObject.html
  if (headerOrQueryValues(headers, query, 'x-amz-rename-source').length > 0 || Object.hasOwn(query, 'renameObject')) {
    return { error: 'the request renames another object (x-amz-rename-source, ?renameObject): a read and a delete of it, which Warden does not judge' }
  }
  const values = headerOrQueryValues(headers, query, 'x-amz-copy-source')
  if (values.length === 0) return undefined
  if (values.length > 1) return { error: `x-amz-copy-source is given ${values.length} times` }
  const value = values[0]!
  const refuse = (why: string) => ({ error: `x-amz-copy-source ${JSON.stringify(value.slice(0, 200))} ${why}` })
  if (/^arn:/i.test(value) || /^[^/?]*:/.test(value)) return refuse('names an access point or an ARN, not a bucket: Warden cannot tell which bucket it reads')
  if (UNREAD_CHARACTERS.test(value)) return refuse('holds a character that is not percent-encoded and that servers read apart')
  if (value.startsWith('//')) return refuse('starts with two slashes (read as a host name by some servers)')
  const question = value.indexOf('?')
  const rawPath = (question < 0 ? value : value.slice(0, question)).replace(/^\//, '')
  let version: string | undefined
  if (question >= 0) {
    const match = /^versionId=(.*)$/.exec(value.slice(question + 1))
    if (!match || !VERSION.test(match[1]!)) return refuse('has a query other than one plain versionId')
    version = match[1]!
  }
  const path = strictPercentDecode(rawPath)
  if (path === undefined) return refuse('has a stray % or percent-encoded bytes that are not UTF-8')
  // The SDKs percent-encode an access point's ARN as they do a key (`arn%3Aaws%3As3%3A…`).
  if (/^arn:/i.test(path)) return refuse('names an access point or an ARN, not a bucket: Warden cannot tell which bucket it reads')
  const slash = path.indexOf('/')
  const bucket = slash < 0 ? path : path.slice(0, slash)
  const key = slash < 0 ? '' : path.slice(slash + 1)
  if (!BUCKET.test(bucket) || key === '') return refuse('names no bucket and key')
  const source: CloudSource = { resource: `arn:${partition}:s3:::${bucket}/${key}`, bucket, object: key }
  if (version !== undefined) source.version = version
  return { sources: [source] }
}

/** The command with what it reads named (or why that could not be read for certain). */
export function withSources(command: CloudCommand, reading: SourceReading | undefined): CloudCommand {
  if (reading === undefined) return command
  if ('error' in reading) return { ...command, source_error: reading.error }
  return { ...command, sources: reading.sources }
}
