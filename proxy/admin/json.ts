// JSON responses of the admin API; every error has the same shape: {"error": {"code", "message"}}.
import { terminalJson } from '../../engine/printable.ts'

// Answers carry values others chose (a token's issuer, a statement's text, a session id): a browser must never
// read them as anything but JSON, nor a cache keep them (review texts hold the statement's values).
export const SAFE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" }

/**
 * The value as JSON, with what a reader cannot see for what it is (C1 controls, separators, bidi overrides,
 * zero-width and other invisible characters) written as \u escapes: the same JSON to any parser, and a statement
 * read with curl, or drawn by a page that shows the text as is, cannot hide or reorder what will run.
 */
export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(terminalJson(value), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...SAFE_HEADERS, ...headers } })
}

export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message } }, status, headers)
}

/** HTTP status of an approval store error code. */
export function statusOfApprovalError(code: string): number {
  switch (code) {
    case 'approval.not_found':
    case 'grant.not_found': return 404
    case 'approval.not_pending':
    case 'approval.duplicate':
    case 'approval.altered':
    case 'grant.revoked': return 409
    case 'grant.forbidden': return 403
    case 'approval.store_unavailable':
    case 'approval.closed': return 503
    case 'approval.forbidden':
    case 'approval.self_approval': return 403
    case 'approval.invalid': return 400
    case 'approval.capacity': return 503
    default: return 500
  }
}

const MAX_NOTE = 2000

const isJson = (type: string | null) => type !== null && /^application\/json\s*(?:;|$)/i.test(type.trim())

/**
 * The optional JSON body {note?: string} of a POST that acts (approve, deny, revoke); an empty body is no note.
 * The request must say content-type: application/json, body or not. A browser sends a cross-site form or
 * no-cors fetch only as text/plain, a form encoding or without a type, never as JSON unless a preflight allowed
 * it (this API allows none): so a forged request riding on credentials the browser adds by itself (a cookie an
 * authenticating proxy in front of this API turns into a bearer token) is refused.
 */
export async function readNote(req: Request): Promise<{ note?: string } | Response> {
  const type = req.headers.get('content-type')
  if (!isJson(type)) {
    return jsonError(415, 'request.content_type', `send content-type: application/json (the body may be empty, or {"note": "why"}); got ${JSON.stringify(type ?? 'none')}`)
  }
  const text = (await req.text()).trim()
  if (!text) return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return jsonError(400, 'request.invalid', 'body must be JSON like {"note": "why"} or empty')
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return jsonError(400, 'request.invalid', 'body must be a JSON object like {"note": "why"}')
  const note = (body as { note?: unknown }).note
  if (note === undefined) return {}
  if (typeof note !== 'string' || note.length > MAX_NOTE) return jsonError(400, 'request.invalid', `note must be a string of at most ${MAX_NOTE} characters`)
  return { note }
}
