// An answer under a mask obligation is read whole: the content detectors need a secret whole (a URL's password
// ends at its `@`, a secret key is 40 characters), and a part of an answer cut where the agent chooses hands them
// a fragment they do not recognise. A query parameter or a Range header that asks the upstream for part of an
// answer is refused: dropped, the client got the whole masked answer where it asked for a part, and a ranged
// downloader (the aws CLI above its multipart threshold, gcloud's sliced downloads) wrote it at the part's offset,
// once per part: a file neither whole nor masked, with exit code 0. `Range: bytes=0-` asks for the whole answer,
// which a 200 with the whole masked body is (RFC 9110 §14.2 lets a server ignore Range): that one is dropped.
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
  gcp: 'gcloud reads an object whole without sliced downloads: gcloud config set storage/sliced_object_download_max_components 1',
}

/**
 * The refusal for a GET whose answer must be masked but which carries a Range header (curl -r, a ranged or
 * resumed download); undefined without one, or for `bytes=0-` (the whole answer, served as a 200).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14.2
 */
export function rangeRefusal(kind: string, method: string, ranges: readonly string[]): HttpGatewayError | undefined {
  if (method !== 'GET' || ranges.length === 0) return undefined
  if (ranges.length === 1 && /^\s*bytes\s*=\s*0+\s*-\s*$/i.test(ranges[0]!)) return undefined
  const instead = WHOLE_READS[kind] ?? 'send the request without a Range header (curl without -r/--range or -C)'
  return new HttpGatewayError(400, 'http.partial_refused', `the request asks for a byte range of an answer the policy requires masked (Range: ${ranges.join(', ').slice(0, 80)}), and ranged reads are refused where masks apply: a part cut where the client chose can split a secret the masker would find whole, and a masked answer has other offsets than the object; read it whole instead (${instead})`, { native: true })
}
