// Kubernetes API request → KubernetesCommand, following the apiserver's RequestInfo rules
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, NewRequestInfo) on the normalized path, so the
// policy judges the same verb / resource / name the apiserver's authorizer would.
import type { KubernetesCommand } from '../types.ts'
import { normalizePath, parseQueryString, parseRequestTarget, type RawHttpRequest } from './http.ts'
import { exactFieldMatch } from './kubernetes/field-selector.ts'

const API_PREFIXES = new Set(['api', 'apis'])
const GROUPLESS_PREFIXES = new Set(['api'])
// Verbs carried as a path prefix (/api/v1/watch/…, /api/v1/proxy/…); proxy takes no subresource.
const SPECIAL_VERBS = new Set(['proxy', 'watch'])
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy'])
// /namespaces/NAME/status and /finalize are subresources of the namespace, not namespaced resources.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

const METHOD_VERBS: Record<string, string> = {
  POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete',
}

// ListOptions fields the apiserver decodes as integers; a bad one fails the whole decode.
const INTEGER_LIST_OPTIONS = ['limit', 'timeoutSeconds']

/** Any value but `0` / `false` (case-insensitive) is true, as apimachinery's Convert_Slice_string_To_bool. */
const queryBool = (values: string[] | undefined) =>
  values !== undefined && values.length > 0 && values[0] !== '0' && values[0]!.toLowerCase() !== 'false'

/** path.IsValidPathSegmentName: a name taken from a field selector must be a usable path segment. */
const validSegmentName = (name: string) => name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%')

function listVerbAndName(query: Record<string, string[]>): { verb: string; name: string } {
  const watch = queryBool(query.watch)
  const verb = watch ? 'watch' : 'list'
  const badInteger = INTEGER_LIST_OPTIONS.some((key) => {
    const value = query[key]?.[0]
    return value !== undefined && !/^[+-]?\d+$/.test(value)
  })
  const selector = query.fieldSelector?.[0]
  if (badInteger || selector === undefined) return { verb, name: '' }
  const name = exactFieldMatch(selector, 'metadata.name')
  return { verb, name: name !== undefined && validSegmentName(name) ? name : '' }
}

export function normalizeKubernetes(req: RawHttpRequest): KubernetesCommand {
  const target = parseRequestTarget(String(req.url ?? ''), req.headers)
  const path = normalizePath(target.rawPath)
  const query = parseQueryString(target.rawQuery)
  const method = String(req.method ?? '').trim().toUpperCase()
  const info: KubernetesCommand = {
    is_resource_request: false, verb: method.toLowerCase(), api_prefix: '', api_group: '', api_version: '',
    namespace: '', resource: '', subresource: '', name: '', path,
  }
  let parts = path.split('/').filter((part) => part !== '')
  if (parts.length < 3 || !API_PREFIXES.has(parts[0]!)) return info
  info.api_prefix = parts[0]!
  parts = parts.slice(1)
  if (!GROUPLESS_PREFIXES.has(info.api_prefix)) {
    // /apis/GROUP/VERSION/RESOURCE: with fewer parts it is a discovery (non-resource) request.
    if (parts.length < 3) return info
    info.api_group = parts[0]!
    parts = parts.slice(1)
  }
  info.is_resource_request = true
  info.api_version = parts[0]!
  parts = parts.slice(1)

  if (SPECIAL_VERBS.has(parts[0]!)) {
    // The apiserver rejects /api/v1/watch alone; what it knew so far is all there is to judge.
    if (parts.length < 2) return info
    info.verb = parts[0]!
    parts = parts.slice(1)
  } else {
    info.verb = METHOD_VERBS[method] ?? ''
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2)
    }
  }
  // parts: resource / name / subresource / anything further, which the apiserver does not interpret.
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2]!
  if (parts.length >= 2) info.name = parts[1]!
  info.resource = parts[0] ?? ''

  if (info.name === '' && info.verb === 'get') Object.assign(info, listVerbAndName(query))
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection'
  return info
}

