// The objects a Cloud Storage write reads: a compose's components (JSON API `sourceObjects`, XML API
// `<ComposeRequest>`), the XML API's `x-goog-copy-source`, and the source of a JSON rewrite or copy. Each is named
// in its own bucket, as a read of it would be; a form Warden cannot read for certain is an error (the write is refused).
import type { CloudSource } from '../../types.ts'
import type { RawHttpRequest } from '../http.ts'
import { strictPercentDecode } from '../http.ts'
import { headerOrQueryValues, type SourceReading } from './copy-source.ts'

export const gcsObjectResource = (bucket: string, object: string) => `projects/_/buckets/${bucket}/objects/${object}`

const BUCKET_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,220}[a-z0-9])?$/
const GENERATION = /^[0-9]{1,20}$/
// Cloud Storage composes at most 32 objects in one request; each source costs the policy a judged read, so a
// longer list is refused before any is judged.
// @see https://cloud.google.com/storage/docs/composite-objects
export const MAX_COMPOSE_SOURCES = 32
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export function gcsSource(bucket: string, object: string, version?: string): CloudSource {
  return { resource: gcsObjectResource(bucket, object), bucket, object, ...(version === undefined ? {} : { version }) }
}

/** Sources of several readings together, or the first error. */
export function joinReadings(readings: Array<SourceReading | undefined>): SourceReading | undefined {
  const present = readings.filter((r): r is SourceReading => r !== undefined)
  if (present.length === 0) return undefined
  const failed = present.find((r): r is { error: string } => 'error' in r)
  return failed ?? { sources: present.flatMap((r) => ('sources' in r ? r.sources : [])) }
}

/**
 * XML API copy: `x-goog-copy-source: /BUCKET/OBJECT` (or x-amz-copy-source; its generation in
 * x-goog-copy-source-generation). Whether
 * the name is percent-decoded is the server's reading (GCS decodes, as S3 does; an emulator may not): when the two
 * differ, both names are judged.
 * @see https://cloud.google.com/storage/docs/xml-api/put-object-copy
 */
export function gcsCopySource(headers: RawHttpRequest['headers'], query: Record<string, string[]>): SourceReading | undefined {
  // For S3 interoperability the XML API takes x-amz-copy-source as well.
  const values = [...headerOrQueryValues(headers, query, 'x-goog-copy-source'), ...headerOrQueryValues(headers, query, 'x-amz-copy-source')]
  if (values.length === 0) return undefined
  if (values.length > 1) return { error: `a copy source is given ${values.length} times (x-goog-copy-source, x-amz-copy-source)` }
  const value = values[0]!
  const refuse = (why: string) => ({ error: `the copy source ${JSON.stringify(value.slice(0, 200))} ${why}` })
  if (/[;#,?\\\x00-\x20\x7f]/.test(value)) return refuse('holds a character that is not percent-encoded and that servers read apart')
  if (value.startsWith('//')) return refuse('starts with two slashes')
  const path = value.replace(/^\//, '')
  const slash = path.indexOf('/')
  const bucket = path.slice(0, Math.max(slash, 0))
  const literal = path.slice(slash + 1)
  if (slash < 0 || !BUCKET_NAME.test(bucket) || literal === '') return refuse('names no bucket and object')
  const decoded = strictPercentDecode(literal)
  if (decoded === undefined || decoded === '') return refuse('has a stray % or percent-encoded bytes that are not UTF-8')
  const generations = headerOrQueryValues(headers, query, 'x-goog-copy-source-generation')
  if (generations.length > 1 || (generations.length === 1 && !GENERATION.test(generations[0]!))) return refuse('comes with a generation that is not one number')
  const names = decoded === literal ? [decoded] : [decoded, literal]
  return { sources: names.map((name) => gcsSource(bucket, name, generations[0])) }
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Character data with the five predefined entities and character references; undefined for anything else. */
function xmlText(text: string): string | undefined {
  if (/[<>]/.test(text)) return undefined
  let bad = false
  const out = text.replace(/&([^;]*);?/g, (whole, name: string) => {
    const number = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name)
    const code = number ? parseInt(number[1] ?? number[2]!, number[1] ? 16 : 10) : undefined
    if (!whole.endsWith(';')) bad = true
    else if (XML_ENTITIES[name] !== undefined) return XML_ENTITIES[name]!
    else if (code !== undefined && code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) return String.fromCodePoint(code)
    else bad = true
    return ''
  })
  return bad ? undefined : out
}

const COMPONENT = /^<Component>((?:\s*<(Name|Generation|IfGenerationMatch)>[^<]*<\/\2>)+)\s*<\/Component>/
const FIELD = /<(Name|Generation|IfGenerationMatch)>([^<]*)<\/\1>/g

/**
 * XML API compose: `PUT /BUCKET/OBJECT?compose` whose body lists the components, all in BUCKET. Only the plain
 * shape is read (no attributes, comments, CDATA or declarations besides the XML one).
 * @see https://cloud.google.com/storage/docs/xml-api/put-object-compose
 */
export function xmlComposeSources(req: RawHttpRequest, bucket: string): SourceReading {
  const refuse = (why: string) => ({ error: `the compose request body ${why}` })
  if (req.bodyNotRead !== undefined || req.body === undefined) return refuse('was not read')
  let text: string
  try {
    text = typeof req.body === 'string' ? req.body : strictUtf8.decode(req.body)
  } catch {
    return refuse('is not UTF-8')
  }
  let rest = text.replace(/^\uFEFF?\s*(?:<\?xml\s[^<>?]*\?>)?\s*<ComposeRequest>/, '')
  if (rest === text || !/<\/ComposeRequest>\s*$/.test(rest)) return refuse('is not a plain <ComposeRequest>')
  rest = rest.replace(/<\/ComposeRequest>\s*$/, '')
  const sources: CloudSource[] = []
  for (rest = rest.trimStart(); rest !== ''; rest = rest.trimStart()) {
    const component = COMPONENT.exec(rest)
    if (!component) return refuse('holds something other than plain <Component> elements')
    const fields = [...component[1]!.matchAll(FIELD)]
    const names = fields.filter((f) => f[1] === 'Name').map((f) => xmlText(f[2]!))
    const generations = fields.filter((f) => f[1] === 'Generation').map((f) => xmlText(f[2]!)?.trim())
    if (names.length !== 1 || names[0] === undefined || names[0] === '') return refuse('has a component without exactly one readable <Name>')
    if (generations.length > 1 || (generations.length === 1 && !GENERATION.test(generations[0] ?? ''))) return refuse('has a component whose <Generation> is not one number')
    sources.push(gcsSource(bucket, names[0], generations[0]))
    if (sources.length > MAX_COMPOSE_SOURCES) return refuse(`names more than ${MAX_COMPOSE_SOURCES} components`)
    rest = rest.slice(component[0].length)
  }
  return sources.length > 0 ? { sources } : refuse('names no component')
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)
/**
 * A JSON field name as Go's encoding/json (fake-gcs-server) matches it to a struct field: in any case, by Unicode
 * simple folding, where the long s (U+017F) is an `s` and the Kelvin sign (U+212A) a `k`. `ſourceObjects` filled
 * SourceObjects: a compose read secret.csv while the normalizer, lower-casing, read the public.txt of a plain
 * `sourceObjects` beside it. (toLowerCase already makes the Kelvin sign a `k`.)
 */
export const goFieldName = (key: string) => key.toLowerCase().replaceAll('\u017f', 's')

// Google's front end matches field names in any case too: every spelling is read.
const fields = (o: Json, name: string) => Object.entries(o).filter(([k]) => goFieldName(k) === name).map(([, v]) => v)

/**
 * JSON API compose: `POST …/b/BUCKET/o/DESTINATION/compose`, `sourceObjects[].name` (and `.generation`), all in
 * BUCKET; a `destination` naming another bucket or object than the path is refused.
 * @see https://cloud.google.com/storage/docs/json_api/v1/objects/compose
 */
export function jsonComposeSources(body: unknown, bucket: string, destination: string): SourceReading {
  const refuse = (why: string) => ({ error: `the compose request body ${why}` })
  if (!isObject(body)) return refuse('is not a JSON object Warden could read')
  for (const dest of fields(body, 'destination')) {
    if (!isObject(dest)) return refuse('has a destination that is not an object')
    if (fields(dest, 'bucket').some((b) => b !== bucket) || fields(dest, 'name').some((n) => n !== destination)) {
      return refuse('names another destination than its path')
    }
  }
  const sources: CloudSource[] = []
  for (const list of fields(body, 'sourceobjects')) {
    if (!Array.isArray(list)) return refuse('has sourceObjects that is not a list')
    for (const item of list) {
      const names = isObject(item) ? fields(item, 'name') : []
      const generations = isObject(item) ? fields(item, 'generation') : []
      if (names.length !== 1 || typeof names[0] !== 'string' || names[0] === '') return refuse('has a source object without exactly one name')
      const generation = generations.length === 0 ? undefined : String(generations[0])
      if (generations.length > 1 || (generation !== undefined && !GENERATION.test(generation))) return refuse('has a source object whose generation is not one number')
      sources.push(gcsSource(bucket, names[0], generation))
      if (sources.length > MAX_COMPOSE_SOURCES) return refuse(`names more than ${MAX_COMPOSE_SOURCES} source objects`)
    }
  }
  return sources.length > 0 ? { sources } : refuse('names no source object')
}
