// Kubernetes Tables (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, what `kubectl get` asks for) under
// mask obligations. A cell carries no field path, so the gateway masks cells by origin: it asks the apiserver for
// each row's whole object (`includeObject=Object`), masks the Table with the objects in it as any JSON answer is
// masked, masks every cell that came from a value the object's masking hid (engine table-origin.ts), and then gives
// each row the object form the client asked for: PartialObjectMetadata (the default, `Metadata`), none, or the
// masked object. A Table in another media type (YAML, protobuf, CBOR) is refused: its cells could not be masked.
// @see https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables
import { isWholeObject, maskTableCells } from '../../engine/obligations/mask/table-origin.ts'
import { HttpGatewayError } from './errors.ts'

/** The object each row of a Table carries (the `includeObject` query parameter). */
export type TableForm = 'Object' | 'Metadata' | 'None'

const FORMS: Record<string, TableForm> = { '': 'Metadata', Metadata: 'Metadata', Object: 'Object', None: 'None' }

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/** A query name or value as the apiserver reads it; undefined for one that is not percent-encoded UTF-8. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

/** The media ranges of Accept that ask for a Table. */
function tableRanges(accept: readonly string[]): string[] {
  // A range asks for a Table only in a parameter: without a ';' there is none (most clients send */* or a bare type).
  if (!accept.some((v) => v.includes(';'))) return []
  return accept.flatMap((v) => v.split(',')).filter((range) => range.split(';').slice(1).some((p) => /^\s*as\s*=\s*"?table"?\s*$/i.test(p)))
}

export interface TableRead {
  /** The form the client asked for: what each row's object is turned into before it is answered. */
  form: TableForm
  /** The query to send upstream: asking for whole objects when the client asked for a Table. */
  query: string
}

/**
 * How a Kubernetes request under mask obligations is sent and answered. `query` is the canonical query (each name
 * once, percent-encoded: canonical.ts); `readsObjects`: the request is a get, list or watch of a resource (not a
 * subresource, whose query may go on to a pod or service: proxy), where includeObject is the apiserver's to read.
 * Elsewhere, and for an `includeObject` the apiserver refuses, the query goes as sent: a Table answered without
 * whole objects has every cell masked.
 */
export function kubeTableRead(query: string, accept: readonly string[], readsObjects: boolean): TableRead {
  const pairs = query === '' ? [] : query.split('&')
  const at = pairs.findIndex((p) => decode(p.split('=', 1)[0]!) === 'includeObject')
  const pair = at < 0 ? '=' : pairs[at]!
  const asked = pair.includes('=') ? decode(pair.slice(pair.indexOf('=') + 1)) : ''
  const known = asked !== undefined && Object.hasOwn(FORMS, asked) ? FORMS[asked] : undefined
  const form = known ?? 'Metadata'
  const ranges = tableRanges(accept)
  const other = ranges.find((r) => r.split(';', 1)[0]!.trim().toLowerCase() !== 'application/json')
  if (other !== undefined) {
    throw new HttpGatewayError(406, 'http.mask_failed', `the response must be masked, and a Kubernetes Table is masked in JSON only: ${JSON.stringify(other.trim())} was not forwarded; ask for application/json;as=Table;v=v1;g=meta.k8s.io`)
  }
  if (ranges.length === 0 || known === undefined || !readsObjects) return { form, query }
  const rest = pairs.filter((_, i) => i !== at)
  return { form, query: [...rest, 'includeObject=Object'].join('&') }
}

/** The Table a document is (a list or get) or carries (a watch event), if any. */
export function tableIn(doc: unknown): Json | undefined {
  if (!isObject(doc)) return undefined
  if (doc.kind === 'Table' && 'rows' in doc) return doc
  const object = doc.object
  return isObject(object) && object.kind === 'Table' && 'rows' in object ? object : undefined
}

/** Each row's whole object in the form asked for (a PartialObjectMetadata row, a bookmark's, is left as sent). */
function asAsked(table: Json, form: TableForm): void {
  if (form === 'Object' || !Array.isArray(table.rows)) return
  const apiVersion = typeof table.apiVersion === 'string' && table.apiVersion.startsWith('meta.k8s.io/') ? table.apiVersion : 'meta.k8s.io/v1'
  for (const row of table.rows) {
    if (!isObject(row) || !isWholeObject(row.object)) continue
    row.object = form === 'None' ? null : { kind: 'PartialObjectMetadata', apiVersion, metadata: row.object.metadata ?? {} }
  }
}

/**
 * Finishes a masked Table: `masked` is the JSON masker's copy of `sent` (changed in place). Its cells from masked
 * values are masked, then its rows get the object form asked for. Returns how many cells were masked.
 */
export function finishTable(sent: Json, masked: Json, form: TableForm): number {
  const count = maskTableCells(sent, masked)
  asAsked(masked, form)
  return count
}
