// An answer under a mask obligation is read whole: the content detectors need a secret whole (a URL's password
// ends at its `@`, a secret key is 40 characters), and a part of an answer cut where the agent chooses hands them
// a fragment they do not recognise. A query parameter or a Range header that asks the upstream for part of an
// answer is refused: dropped, the client got the whole masked answer where it asked for a part, and a ranged
// downloader (the aws CLI above its multipart threshold) wrote it at each part's offset: a file neither whole nor
// masked, with exit code 0. A range from byte 0 that covers the whole
// answer (`bytes=0-`, or `bytes=0-N` with N past its end) asks for all of it, which a 200 with the whole masked
// body is (RFC 9110 §14.2 lets a server ignore Range): that one is forwarded without Range, and the answer
// refused if it turns out longer than the range.
import { parseQueryString } from '../../engine/normalize/http.ts'
import { HttpGatewayError } from './errors.ts'

// By target kind: the query parameters that cut an answer at a byte count.
const CUTTING_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  // pods/log?limitBytes=N: the first N bytes of the log (the kubelet cuts mid-line).
  kubernetes: ['limitBytes'],
  // S3 GetObject ?partNumber=N: the one part of a multipart upload, cut where the uploader chose (a secret written
  // across two parts came back as two halves no detector matched).
  aws: ['partNumber'],
}

/** The refusal for a request whose answer must be masked but which asks for a cut of it; undefined if it does not. */
export function partialReadRefusal(kind: string, method: string, query: string): HttpGatewayError | undefined {
  const names = CUTTING_PARAMETERS[kind]
  // Only a read answers with the cut: S3's UploadPart (PUT ?partNumber=N&uploadId=…) names a part it writes.
  if (!names || query === '' || method !== 'GET') return undefined
  const asked = names.filter((name) => Object.hasOwn(parseQueryString(query), name))
  if (asked.length === 0) return undefined
  const instead = kind === 'kubernetes' ? 'ask for whole lines instead (kubectl logs --tail=N rather than --limit-bytes)' : 'read the whole object instead (without --part-number)'
  return new HttpGatewayError(400, 'http.partial_refused', `${asked.join(', ')} asks for a cut of an answer the policy requires masked, and a secret cut in two is one the masker cannot find; ${instead}`, { native: true })
}

/** What to do instead of a ranged read, by target kind: the client setting that downloads an object whole. */
const WHOLE_READS: Readonly<Record<string, string>> = {
  aws: 'the aws CLI reads an object whole below its multipart threshold: aws configure set default.s3.multipart_threshold 5GB',
  // gcloud storage cp and cat ask for bytes=0-<size - 1> and resume at the byte count they got, until they have the
  // stored size, which a masked object need not keep: no gcloud setting reads one whole.
  gcp: 'gcloud storage cp and cat read in ranges up to the stored size, which a masked object does not keep; one GET without Range reads it whole, e.g. curl "https://storage.googleapis.com/download/storage/v1/b/BUCKET/o/OBJECT?alt=media" through the gateway',
}

// One range from byte 0: `bytes=0-` or `bytes=0-N`.
const FROM_START = /^\s*bytes\s*=\s*0+\s*-\s*(\d*)\s*$/i

/**
 * For a GET with one range from byte 0, the length of answer it covers whole: N + 1 for `bytes=0-N` (gcloud asks
 * for a whole object as bytes=0-<its size - 1>), Infinity for `bytes=0-`; undefined for any other request.
 */
export function rangeFromStart(method: string, ranges: readonly string[]): number | undefined {
  if (method !== 'GET' || ranges.length !== 1) return undefined
  const m = FROM_START.exec(ranges[0]!)
  if (!m) return undefined
  return m[1] === '' ? Infinity : Number(m[1]) + 1
}

/**
 * The refusal for a GET whose answer must be masked but which carries a Range header that does not start at byte
 * 0 (curl -r 100-199, a ranged download's later parts, several ranges); undefined without one.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14.2
 */
export function rangeRefusal(kind: string, method: string, ranges: readonly string[]): HttpGatewayError | undefined {
  if (method !== 'GET' || ranges.length === 0 || rangeFromStart(method, ranges) !== undefined) return undefined
  return rangeRefused(kind, ranges)
}

/**
 * For the answer to a range from byte 0, forwarded without it: the refusal when the whole answer is longer than the
 * range (its first part, where a ranged download asks for its parts), or does not state its length unencoded.
 */
export function rangeCutRefusal(kind: string, ranges: readonly string[], covers: number, res: { statusCode?: number; headers: Record<string, unknown> }): HttpGatewayError | undefined {
  if (covers === Infinity || res.statusCode !== 200) return undefined
  const length = res.headers['content-length']
  const coding = res.headers['content-encoding']
  const stated = typeof length === 'string' && /^\d+$/.test(length) && (coding === undefined || coding === 'identity')
  return stated && Number(length) <= covers ? undefined : rangeRefused(kind, ranges)
}

// 403, not 400: gcloud (apitools transfer.py) retries a download on any status but 403 and 404, for minutes; the
// aws CLI stops at a 403 and prints its message.
function rangeRefused(kind: string, ranges: readonly string[]): HttpGatewayError {
  const instead = WHOLE_READS[kind] ?? 'send the request without a Range header (curl without -r/--range or -C)'
  return new HttpGatewayError(403, 'http.partial_refused', `the request asks for a byte range of an answer the policy requires masked (Range: ${ranges.join(', ').slice(0, 80)}), and ranged reads are refused where masks apply: a part cut where the client chose can split a secret the masker would find whole, and a masked answer has other offsets than the object; read it whole instead (${instead})`, { native: true })
}
