// A small client of the admin API, for `warden approvals`: each call returns the parsed JSON or throws an
// AdminClientError that says whether the server refused (`status` set) or could not be reached.
import type { ApprovalRequest, ApprovalStatus } from '../../engine/approvals/types.ts'

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
}

export function createAdminClient(baseUrl: string, token: string, opts: { timeoutMs?: number } = {}): AdminClient {
  const base = baseUrl.replace(/\/+$/, '')
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      })
    } catch (err) {
      const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
      throw new AdminClientError('admin.unreachable', `cannot reach the admin API at ${base} (${why})`, undefined, { cause: err })
    }
    let parsed: unknown
    try {
      parsed = await res.json()
    } catch (err) {
      throw new AdminClientError('admin.bad_response', `${method} ${base}${path} answered HTTP ${res.status} without JSON; is ${base} a Warden admin API?`, res.status, { cause: err })
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error
      throw new AdminClientError(error?.code ?? 'admin.http_error', error?.message ?? `HTTP ${res.status}`, res.status)
    }
    return parsed as T
  }
  const encode = encodeURIComponent
  return {
    list: async (status) => (await call<{ approvals: ApprovalRequest[] }>('GET', `/v1/approvals${status ? `?status=${encode(status)}` : ''}`)).approvals,
    get: async (id) => (await call<{ approval: ApprovalRequest }>('GET', `/v1/approvals/${encode(id)}`)).approval,
    approve: async (id, note) => (await call<{ approval: ApprovalRequest }>('POST', `/v1/approvals/${encode(id)}/approve`, note === undefined ? {} : { note })).approval,
    deny: async (id, note) => (await call<{ approval: ApprovalRequest }>('POST', `/v1/approvals/${encode(id)}/deny`, note === undefined ? {} : { note })).approval,
  }
}
