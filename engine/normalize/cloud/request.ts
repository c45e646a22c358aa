// What the cloud normalizers read from a raw request: method, host, the raw path and query. The raw
// headers stay reachable (AWS derives its service from the SigV4 scope) but are never copied out.
import { parseQueryString, parseRequestTarget, type RawHttpRequest } from '../http.ts'

export interface CloudRequest {
  method: string
  host: string
  /** Host without a port. */
  hostname: string
  rawPath: string
  query: Record<string, string[]>
  raw: RawHttpRequest
}

export function cloudRequest(req: RawHttpRequest): CloudRequest {
  const target = parseRequestTarget(String(req.url ?? ''), req.headers)
  return {
    method: String(req.method ?? '').trim().toUpperCase(),
    host: target.host,
    hostname: target.host.replace(/:\d*$/, ''),
    rawPath: target.rawPath,
    query: parseQueryString(target.rawQuery),
    raw: req,
  }
}

/** The REST verb of a method on a collection (list/create) or on one resource (get/update/patch/delete). */
export function restVerb(method: string, onCollection: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return onCollection ? 'list' : 'get'
    case 'POST':
      return onCollection ? 'create' : 'unknown'
    case 'PUT':
      return 'update'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return 'delete'
    default:
      return 'unknown'
  }
}
