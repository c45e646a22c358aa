// Object listings as oracles on masked object names. Under content detectors a listing's names are masked where a
// detector finds a value in them (an email, a connection string's password), but the upstream filters the listing
// on the names unmasked: `prefix=users/alice.p` lists one object or none, and so spells a masked email a character
// at a time; `start-after` (and the markers, Cloud Storage's startOffset and endOffset, a glob) halve the range the
// same way; `delimiter=@` cuts each name at a character of the agent's choosing, so `users/alice.payroll@` came back
// whole, past the email detector that needs the domain. Under detectors a listing names a prefix of whole path
// segments (empty, or ending with `/`: a guess at a whole segment, as a read by name is) and the delimiter `/` only.
// gcloud lists `gs://b/dir/` as prefix=dir&delimiter=/ (to tell an object dir from a folder dir/): a Cloud Storage
// JSON listing may end its prefix inside a name, and its answer then keeps only the object named the prefix and the
// folder prefix + `/`, which a right guess at part of a name never is. S3's continuation tokens stay (opaque); a
// Cloud Storage pageToken names where the page starts, and passes only when this gateway handed it out (page-tokens.ts).
import { parseJsonText, writeJsonText } from '../../engine/obligations/mask/json-numbers.ts'
import type { Command, CloudCommand, MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'
import { failed } from './mask-decoded.ts'

const LISTINGS = new Set(['s3:ListObjects', 's3:ListObjectsV2', 's3:ListObjectVersions', 's3:ListMultipartUploads', 'storage.objects.list'])

// Parameters that start or end a listing at a name of the agent's choosing (S3 ListObjects, V2, versions and
// multipart uploads; Cloud Storage's JSON and XML APIs), and a glob over the names.
const RANGES = ['start-after', 'marker', 'key-marker', 'version-id-marker', 'upload-id-marker', 'startOffset', 'endOffset', 'matchGlob']

const refused = (what: string) => new HttpGatewayError(400, 'http.filter_refused', `${what}; the listing's object names are masked where a detector finds a value in them, and the upstream filters on the names unmasked, so whether an object comes back would tell whether a guess at a masked part was right. List by whole folders (a prefix ending with /, delimiter /), and page with continuation tokens`)

const detected = (masks: readonly MaskObligation[]) => masks.some((m) => m.detector !== undefined)

/** A Cloud Storage JSON listing by folders (delimiter /), whose answer can be cut to whole segments. */
const jsonFolderListing = (cloud: CloudCommand, path: string, query: Record<string, string[]>) =>
  cloud.method === 'storage.objects.list' && path.startsWith('/storage/v1/') && query.delimiter?.length === 1 && query.delimiter[0] === '/'

/**
 * The refusal for an object listing that filters on a part of a name the answer may mask; undefined if none. `query`
 * is the query as forwarded, unredacted (the normalizer's hides a pageToken's value, as it might be a credential).
 */
export function listingRefusal(cloud: CloudCommand | undefined, path: string, query: Record<string, string[]>, masks: readonly MaskObligation[], pageToken: (token: string) => boolean = () => false): HttpGatewayError | undefined {
  if (cloud === undefined || !LISTINGS.has(cloud.method) || !detected(masks)) return undefined
  // Which of two the upstream reads is its own (fake-gcs-server the first, others the last): the answer's cut to
  // whole segments reads the first (segmentPrefix).
  const twice = ['prefix', 'delimiter'].find((name) => (query[name]?.length ?? 0) > 1)
  if (twice !== undefined) return refused(`${twice} is given more than once`)
  for (const delimiter of query.delimiter ?? []) {
    if (delimiter !== '' && delimiter !== '/') return refused(`the delimiter ${JSON.stringify(delimiter.slice(0, 20))} cuts names at a character other than /`)
  }
  const range = RANGES.find((name) => query[name]?.some((v) => v !== ''))
  if (range !== undefined) return refused(`${range} starts or ends the listing at a name of the request's choosing`)
  if (cloud.method === 'storage.objects.list' && query.pageToken?.some((t) => t !== '' && !pageToken(t))) return refused('the pageToken is none this gateway answered in this session: it starts the listing at a name of the request\'s choosing')
  if (jsonFolderListing(cloud, path, query)) return undefined
  for (const prefix of query.prefix ?? []) {
    if (prefix !== '' && !prefix.endsWith('/')) return refused(`the prefix ${JSON.stringify(prefix.slice(0, 100))} ends inside a name`)
  }
  return undefined
}

/** The prefix a masked Cloud Storage JSON listing's answer is cut to (whole segments), if it ends inside a name. */
export function segmentPrefix(command: Command, masks: readonly MaskObligation[]): string | undefined {
  const { cloud, http } = command
  if (!cloud || !http || !detected(masks) || !jsonFolderListing(cloud, http.path, http.query)) return undefined
  const prefix = http.query.prefix?.[0]
  return prefix !== undefined && prefix !== '' && !prefix.endsWith('/') ? prefix : undefined
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The listing with only the object named `prefix` (or `prefix/`, a trailing-delimiter object) and the folder
 * `prefix/`; its page token goes too (the name the next page starts at, in fake-gcs-server). A body that is no
 * listing is withheld.
 */
export function wholeSegmentsOnly(body: Uint8Array, prefix: string): Uint8Array {
  let doc: unknown
  let exact: boolean
  try {
    ;({ doc, exact } = parseJsonText(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')))
  } catch (err) {
    throw failed('the listing is not valid JSON', err)
  }
  if (!isObject(doc)) throw failed('the listing is no JSON object')
  if (Array.isArray(doc.items)) doc.items = doc.items.filter((item) => isObject(item) && (item.name === prefix || item.name === `${prefix}/`))
  else if (doc.items !== undefined) throw failed('the listing\'s items are no list')
  if (Array.isArray(doc.prefixes)) doc.prefixes = doc.prefixes.filter((p) => p === `${prefix}/`)
  else if (doc.prefixes !== undefined) throw failed('the listing\'s prefixes are no list')
  delete doc.nextPageToken
  return Buffer.from(writeJsonText(doc, exact), 'utf8')
}
