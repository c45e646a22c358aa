// Cloud Logging entries:list (gcloud logging read): the filter it searches with, read into restrictions the
// policy judges (gcp-logging-filter.ts). The filter comes in the JSON body or, as Google's front end binds
// request fields from the query string too, as `?filter=`: every one found is read. A body field this reader does
// not know may be one Google reads as a filter: a parse error, so the policy holds the call rather than guess.
// @see https://cloud.google.com/logging/docs/reference/v2/rest/v2/entries/list
import type { HttpCommand, LogFilter, LogFilterRestriction } from '../../types.ts'
import { LogFilterParseError, parseLogFilter } from './gcp-logging-filter.ts'

/** ListLogEntriesRequest.filter: "The maximum length of a filter is 20,000 characters." */
export const MAX_LOG_FILTER_CHARS = 20_000

// ListLogEntriesRequest's fields, in the JSON names Google accepts (lowerCamelCase and the proto's own).
const REQUEST_FIELDS = new Set([
  'resourceNames', 'resource_names', 'projectIds', 'project_ids', 'filter', 'orderBy', 'order_by',
  'pageSize', 'page_size', 'pageToken', 'page_token',
])

export interface GcpLogRead {
  filter: LogFilter
  /** Set when the request is refused before any policy reads it: a filter longer than the API accepts. */
  refusal?: string
}

/** Every filter the request carries, and the first thing in its body entries.list would not read as this does. */
function filterTexts(http: HttpCommand): { texts: string[]; error?: string } {
  // Every query parameter named filter in any case: whether Google's front end binds `Filter` is not known here.
  const texts = Object.entries(http.query).flatMap(([name, values]) => name.toLowerCase() === 'filter' ? values : [])
  const body = http.body
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return { texts }
  let error: string | undefined
  for (const [name, value] of Object.entries(body)) {
    if (!REQUEST_FIELDS.has(name)) error ??= `request field ${JSON.stringify(name.slice(0, 64))} is not one entries.list reads`
    if (name.toLowerCase() !== 'filter') continue
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') texts.push(v)
      else error ??= 'filter is not a string'
    }
  }
  return error === undefined ? { texts } : { texts, error }
}

/** Code points, counted without building an array; stops once past `limit`. */
function characters(text: string, limit = Infinity): number {
  let n = 0
  for (const _ of text) if (++n > limit) return n
  return n
}

export function gcpLogRead(http: HttpCommand): GcpLogRead {
  const { texts, error } = filterTexts(http)
  const counts = texts.map((t) => characters(t, MAX_LOG_FILTER_CHARS))
  const length = Math.max(0, ...counts)
  if (length > MAX_LOG_FILTER_CHARS) {
    const longest = Math.max(...texts.map((t) => characters(t)))
    const message = `a Cloud Logging filter of ${longest} characters is longer than the ${MAX_LOG_FILTER_CHARS} the Logging API accepts`
    return { filter: { length: longest, restrictions: [], parse_error: message }, refusal: message }
  }
  if (error !== undefined) return { filter: { length, restrictions: [], parse_error: error } }
  const restrictions: LogFilterRestriction[] = []
  try {
    for (const text of texts) restrictions.push(...parseLogFilter(text))
  } catch (err) {
    if (!(err instanceof LogFilterParseError)) throw err
    return { filter: { length, restrictions: [], parse_error: `filter Warden cannot read for certain: ${err.message}` } }
  }
  return { filter: { length, restrictions } }
}
