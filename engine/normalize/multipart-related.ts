// A multipart/related body (Cloud Storage's and the other Google upload APIs' `uploadType=multipart`): its first
// part is the request's JSON metadata (the object's name, bucket, acl …), the rest its media. The metadata is what
// the request asks for, so it is the body the policy reads; the media is object data, as in any upload.
// @see https://cloud.google.com/storage/docs/uploading-objects#uploading-an-object (multipart upload)
// @see https://www.rfc-editor.org/rfc/rfc2387 (multipart/related: the root is the first part unless `start` names another)

export type RelatedMetadata = { json: Uint8Array } | { error: string }

const unread = (why: string): RelatedMetadata => ({ error: `multipart/related body: ${why}` })

// The whole value of the boundary parameter, quoted (no escapes) or not. RFC 2046 allows 1 to 70 characters, but
// Go's mime and multipart readers (fake-gcs-server's) take any length: a longer one read cut at 70 let a decoy part
// delimited by its first 70 characters be judged as the metadata while the server read another part.
const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"\\]*)"|([^\s;"]*))\s*(?=;|$)/gi

/** The boundary of a multipart/related Content-Type, or why none is read. */
function boundaryOf(contentType: string): { boundary: string } | { error: string } {
  // `boundary*=` (RFC 2231) or a second boundary parameter: a server may read either one.
  if (/;\s*boundary\s*\*/i.test(contentType)) return { error: 'its Content-Type names the boundary in RFC 2231 form (boundary*=)' }
  const found = [...contentType.matchAll(BOUNDARY)].map((m) => m[1] ?? m[2]!)
  if (found.length > 1) return { error: 'its Content-Type names more than one boundary' }
  const boundary = found[0]
  if (boundary === undefined || boundary === '') return { error: 'its Content-Type names no boundary' }
  if (boundary.length > 70) return { error: 'its boundary is longer than 70 characters' }
  return { boundary }
}

/**
 * The bytes of the first part of a multipart/related body, which must be JSON. Anything read otherwise by some
 * parser (no boundary, one longer than 70 characters or named twice, a `start` naming another root, bare LF line
 * endings, a part that is not JSON or is transfer-encoded) is an error: the policy is not to guess which metadata
 * the server reads.
 */
export function relatedMetadata(raw: Uint8Array, contentType: string): RelatedMetadata {
  const named = boundaryOf(contentType)
  if ('error' in named) return unread(named.error)
  const { boundary } = named
  if (/;\s*start\s*=/i.test(contentType)) return unread('its `start` parameter may name another part than the first as the metadata')
  const body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const open = Buffer.from(`--${boundary}\r\n`)
  const first = body.indexOf(open)
  // Only a preamble may come before the first boundary, and no other part.
  if (first < 0 || (first > 0 && body.subarray(0, first).includes(`--${boundary}`))) return unread('its first part does not open with the boundary and CRLF')
  const headersAt = first + open.length
  // From the boundary line's own CRLF: a part with no headers has its blank line right after it.
  const headersEnd = body.indexOf('\r\n\r\n', headersAt - 2)
  if (headersEnd < 0) return unread('its first part has no end of headers')
  const headers = headersEnd < headersAt ? '' : body.subarray(headersAt, headersEnd).toString('latin1')
  if (/(?:^|[^\r])\n/.test(headers)) return unread('its first part\'s headers end lines with a bare LF')
  const type = /(?:^|\r\n)content-type\s*:\s*([^;\r\n]*)/i.exec(headers)?.[1]?.trim().toLowerCase()
  if (type !== 'application/json') return unread(`its first part is ${type ? `of type ${type}` : 'of no type'}, not the JSON metadata`)
  if (/(?:^|\r\n)content-transfer-encoding\s*:/i.test(headers)) return unread('its first part is transfer-encoded')
  const contentAt = headersEnd + 4
  const close = body.indexOf(`\r\n--${boundary}`, contentAt)
  if (close < 0) return unread('its first part is not closed by the boundary')
  return { json: body.subarray(contentAt, close) }
}
