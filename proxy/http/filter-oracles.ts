// Filters as oracles on what an answer's mask hides: the checks the gateway makes, under mask obligations, before
// it forwards a read of a Kubernetes, AWS or Google Cloud target (each module says what it reads and why): selectors,
// DynamoDB conditions, tag and label filters, and object listings' prefixes and ranges.
//
// A cloud read whose body Warden could not read (an object naming one key twice, invalid JSON) may carry a filter
// no check saw: the upstream reads it anyway (Python's json and Go's decoder keep the last of two keys), so a
// DynamoDB GetItem by a guessed key or a ListSecrets tag filter went through unread. Under mask obligations such a
// read is refused. A body of a type Warden does not inspect carries no filter (S3's XML), except for DynamoDB,
// whose endpoint reads any body as JSON. Writes with an unreadable body are held by the policy (rules/cloud.rego).
import { parseQueryString } from '../../engine/normalize/http.ts'
import type { Command, MaskObligation, TargetKind } from '../../engine/types.ts'
import { tagFilterRefusal } from './aws-tag-filters.ts'
import { dynamodbFilterRefusal } from './dynamodb-filters.ts'
import { HttpGatewayError } from './errors.ts'
import { labelFilterRefusal } from './gcp-label-filters.ts'
import { listingRefusal } from './listing-filters.ts'
import { selectorRefusal } from './kube-selectors.ts'

function unreadBodyRefusal(cloud: Command['cloud'], bodyError: string | undefined, masks: readonly MaskObligation[]): HttpGatewayError | undefined {
  if (masks.length === 0 || cloud === undefined || cloud.read_only !== true || bodyError === undefined) return undefined
  if (bodyError.startsWith('body not read')) return undefined
  if (bodyError.startsWith('unsupported content type') && !(cloud.provider === 'aws' && cloud.service === 'dynamodb')) return undefined
  return new HttpGatewayError(400, 'http.filter_refused', `the request's body could not be read (${bodyError}), so what it filters on could not be checked against the answer's mask; send one JSON document that names each key once`)
}

/**
 * The refusal for a request whose filter reads what its answer's masks hide; undefined if it reads none. `query` is
 * the request's query as forwarded (Kubernetes selectors are read from it as the apiserver reads them).
 */
export function filterRefusal(kind: TargetKind, command: Command, query: string, masks: readonly MaskObligation[], key: Uint8Array, handedOut?: (body: unknown) => boolean, pageToken?: (token: string) => boolean): HttpGatewayError | undefined {
  if (masks.length === 0) return undefined
  if (kind === 'kubernetes') return selectorRefusal(query, masks, key)
  if (kind !== 'aws' && kind !== 'gcp') return undefined
  const { cloud, http } = command
  const params = http?.query ?? {}
  return unreadBodyRefusal(cloud, http?.body_error, masks) ?? listingRefusal(cloud, http?.path ?? '', parseQueryString(query), masks, pageToken) ?? (kind === 'aws'
    ? dynamodbFilterRefusal(cloud, http?.body, masks, key, handedOut) ?? tagFilterRefusal(params, http?.body, masks, key)
    : labelFilterRefusal(cloud, params, http?.body, masks, key))
}
