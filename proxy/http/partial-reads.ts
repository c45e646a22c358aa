// An answer under a mask obligation is read whole: the content detectors need a secret whole (a URL's password
// ends at its `@`, a secret key is 40 characters), and a part of an answer cut where the agent chooses hands them
// a fragment they do not recognise. Range headers are dropped for such answers (handler.ts); a query parameter
// that asks the upstream for part of an answer cannot be dropped without forwarding another request than the
// one judged, so the request is refused.
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
  return new HttpGatewayError(400, 'http.partial_refused', `${asked.join(', ')} asks for a cut of an answer the policy requires masked, and a secret cut in two is one the masker cannot find; ${instead}`)
}
