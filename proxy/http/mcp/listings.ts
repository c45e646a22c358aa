// resources/list, resources/templates/list and prompts/list answers filtered to what the caller may read, as
// tools/list answers are to the tools it may call (tools-list.ts): each entry is judged as a hypothetical read
// (resources/read of its uri, completion/complete of its uriTemplate, prompts/get of its name) through the engine, and an entry whose
// read would be denied is removed. Its name, description and arguments are the server's words about data the
// settings keep from the caller; a read that would be held stays listed.
import type { GatewayEngine, SessionState } from '../../../engine/gateway.ts'
import { McpError } from './errors.ts'
import { hypotheticalReadRequest } from './request.ts'

/**
 * A read the caller could make: resources/read of a uri, prompts/get of a prompt, or for a resource template
 * completion/complete of it (judged by the same resource lists, and not a concrete uri to be canonical).
 */
export interface ListedRead {
  method: 'resources/read' | 'prompts/get' | 'completion/complete'
  /** The uri, uri template or prompt name. */
  subject: string
}

export type CanRead = (read: ListedRead) => boolean

export interface Listing {
  /** The result's array. */
  field: 'resources' | 'resourceTemplates' | 'prompts'
  /** Each entry's key naming what it reads. */
  key: 'uri' | 'uriTemplate' | 'name'
  read: ListedRead['method']
}

const LISTINGS: Record<string, Listing> = {
  'resources/list': { field: 'resources', key: 'uri', read: 'resources/read' },
  'resources/templates/list': { field: 'resourceTemplates', key: 'uriTemplate', read: 'completion/complete' },
  'prompts/list': { field: 'prompts', key: 'name', read: 'prompts/get' },
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The listing a method's answer is. */
export const listingOf = (method: string | undefined): Listing | undefined => (method !== undefined && Object.hasOwn(LISTINGS, method) ? LISTINGS[method] : undefined)

/** The listings a result holds (an answer to some other request: a replay, a stray id). */
export const listingsIn = (result: unknown): Listing[] => (isObject(result) ? Object.values(LISTINGS).filter((l) => Object.hasOwn(result, l.field)) : [])

/** The result with only the entries `canRead` accepts (other fields kept), and the names removed. */
export function filterListing(listing: Listing, result: unknown, canRead: CanRead): { result: Record<string, unknown>; removed: string[] } {
  const entries = isObject(result) ? result[listing.field] : undefined
  if (!Array.isArray(entries)) throw new McpError('mcp.upstream_malformed', `the server answered without a ${listing.field} array; the answer was withheld`)
  const kept: unknown[] = []
  const removed: string[] = []
  for (const entry of entries) {
    const subject = isObject(entry) ? entry[listing.key] : undefined
    if (typeof subject !== 'string' || subject === '') {
      throw new McpError('mcp.upstream_malformed', `the server listed one of its ${listing.field} without a ${listing.key}; the answer was withheld`)
    }
    let ok = false
    try {
      ok = canRead({ method: listing.read, subject })
    } catch {
      // A judge that fails is a deny (fail closed).
      ok = false
    }
    if (ok) kept.push(entry)
    else removed.push(subject)
  }
  return { result: { ...(result as Record<string, unknown>), [listing.field]: kept }, removed }
}

/** canRead backed by the engine: listed unless the read would be denied for this session. */
export function engineCanRead(engine: Pick<GatewayEngine, 'judge'>, session: SessionState, endpoint: string): CanRead {
  return (read) => engine.judge(hypotheticalReadRequest(session, endpoint, read)).decision.effect !== 'deny'
}

/** canRead for content the caller would see now: only when the read would be allowed outright (not held). */
export function engineCanReadNow(engine: Pick<GatewayEngine, 'judge'>, session: SessionState, endpoint: string): CanRead {
  return (read) => engine.judge(hypotheticalReadRequest(session, endpoint, read)).decision.effect === 'allow'
}
