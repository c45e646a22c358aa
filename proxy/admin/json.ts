// JSON responses of the admin API; every error has the same shape: {"error": {"code", "message"}}.

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
}

export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message } }, status, headers)
}

/** HTTP status of an approval store error code. */
export function statusOfApprovalError(code: string): number {
  switch (code) {
    case 'approval.not_found': return 404
    case 'approval.not_pending': return 409
    case 'approval.forbidden':
    case 'approval.self_approval': return 403
    case 'approval.invalid': return 400
    case 'approval.capacity': return 503
    default: return 500
  }
}
