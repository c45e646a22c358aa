// A small client of the admin API, for `warden approvals`: each call returns the parsed JSON or throws an
// AdminClientError that says whether the server refused (`status` set) or could not be reached.
import type { ApprovalRequest, ApprovalStatus, GrantRecord } from '../../engine/approvals/types.ts'

export class AdminClientError extends Error {
  readonly code: string
  /** HTTP status when the server answered; undefined when it could not be reached. */
  readonly status?: number
  constructor(code: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AdminClientError'
    this.code = code
    this.status = status
  }
}

export interface AdminClient {
  list(status?: ApprovalStatus): Promise<ApprovalRequest[]>
  get(id: string): Promise<ApprovalRequest>
  approve(id: string, note?: string): Promise<ApprovalRequest>
  deny(id: string, note?: string): Promise<ApprovalRequest>
  /** Grants in force (or, with all, also revoked and expired ones) that the caller may see. */
  grants(opts?: { all?: boolean; target?: string }): Promise<GrantRecord[]>
  revoke(id: string, note?: string): Promise<GrantRecord>
}

/**
 * One request to the admin API: the Response once it answered 2xx (its body unread), else an AdminClientError
 * saying whether the server refused (`status` set, with its error code and message) or could not be reached.
 * timeoutMs bounds the whole exchange, body included; 0 for none (a long export).
 */
export async function adminRequest(baseUrl: string, token: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Response> {
  const base = baseUrl.replace(/\/+$/, '')
  let res: Response
  try {
    res = await fetch(`${base}${path}`, {
      method,
      // The admin API takes every POST as JSON only (a browser cannot forge one cross-site), a body or not.
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body || method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
    })
  } catch (err) {
    const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
    throw new AdminClientError('admin.unreachable', `cannot reach the admin API at ${base} (${why})`, undefined, { cause: err })
  }
  if (res.ok) return res
  const error = (await res.json().catch(() => undefined) as { error?: { code?: string; message?: string } } | undefined)?.error
  if (!error) throw new AdminClientError('admin.bad_response', `${method} ${base}${path} answered HTTP ${res.status} without a JSON error; is ${base} a Warden admin API?`, res.status)
  throw new AdminClientError(error.code ?? 'admin.http_error', error.message ?? `HTTP ${res.status}`, res.status)
}

/** adminRequest, then the body as JSON. */
export async function adminJson<T>(baseUrl: string, token: string, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
  const res = await adminRequest(baseUrl, token, method, path, body, timeoutMs)
  try {
    return await res.json() as T
  } catch (err) {
    throw new AdminClientError('admin.bad_response', `${method} ${baseUrl}${path} answered HTTP ${res.status} without JSON; is ${baseUrl} a Warden admin API?`, res.status, { cause: err })
  }
}

export function createAdminClient(baseUrl: string, token: string, opts: { timeoutMs?: number } = {}): AdminClient {
  const call = <T>(method: string, path: string, body?: unknown) => adminJson<T>(baseUrl, token, method, path, body, opts.timeoutMs)
  const encode = encodeURIComponent
  return {
    list: async (status) => (await call<{ approvals: ApprovalRequest[] }>('GET', `/v1/approvals${status ? `?status=${encode(status)}` : ''}`)).approvals,
    get: async (id) => (await call<{ approval: ApprovalRequest }>('GET', `/v1/approvals/${encode(id)}`)).approval,
    approve: async (id, note) => (await call<{ approval: ApprovalRequest }>('POST', `/v1/approvals/${encode(id)}/approve`, note === undefined ? {} : { note })).approval,
    deny: async (id, note) => (await call<{ approval: ApprovalRequest }>('POST', `/v1/approvals/${encode(id)}/deny`, note === undefined ? {} : { note })).approval,
    async grants(opts = {}) {
      const query = new URLSearchParams({ ...(opts.all ? { all: 'true' } : {}), ...(opts.target ? { target: opts.target } : {}) }).toString()
      return (await call<{ grants: GrantRecord[] }>('GET', `/v1/grants${query ? `?${query}` : ''}`)).grants
    },
    revoke: async (id, note) => (await call<{ grant: GrantRecord }>('POST', `/v1/grants/${encode(id)}/revoke`, note === undefined ? {} : { note })).grant,
  }
}
