// The admin API as a web-standard handler (testable with `await handle(new Request(...))`, hono-style):
// reviewers list held statements and approve or deny them; auditors read the audit trail (audit-routes.ts).
// Every route but /healthz needs a bearer token the engine verifies; roles come from the config's groups
// (roles.ts); every approve/deny attempt, granted or refused, is recorded in the audit log.
import { ApprovalError } from '../../engine/approvals/errors.ts'
import type { ApprovalRequest, ApprovalStatus } from '../../engine/approvals/types.ts'
import type { AuditReader } from '../../engine/audit/reader.ts'
import type { GatewayEngine } from '../../engine/gateway.ts'
import type { Identity } from '../../engine/types.ts'
import { readCredential } from '../http/agent-credential.ts'
import { createAuditRoutes } from './audit-routes.ts'
import { RefusalBudget } from './refusal-budget.ts'
import { createGrantRoutes } from './grants.ts'
import { json, jsonError, readNote, statusOfApprovalError } from './json.ts'
import { mayActAs, type RoleGroups, rolesOf } from './roles.ts'

export interface AdminHandlerOptions {
  engine: Pick<GatewayEngine, 'authenticate' | 'approvals' | 'audit'>
  /** config.approvals.approver_groups: humans in these groups see every request. */
  approverGroups: readonly string[]
  /** config.roles: auditors read the audit trail; admins do everything. None when absent. */
  roles?: { auditor: readonly string[]; admin: readonly string[] }
  /** Opens a reader on the gateway's audit trail, per auditor request; absent without a trail. */
  openAuditReader?: () => Promise<AuditReader>
}

export type AdminHandler = (req: Request) => Promise<Response>

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired']
const APPROVAL_PATH = /^\/v1\/approvals\/([A-Za-z0-9_-]{1,64})(?:\/(approve|deny))?$/

const sameIdentity = (a: Identity, b: Identity) => a.issuer === b.issuer && a.sub === b.sub

export function createAdminHandler(opts: AdminHandlerOptions): AdminHandler {
  const { engine } = opts
  const groups: RoleGroups = { approver: opts.approverGroups, auditor: opts.roles?.auditor ?? [], admin: opts.roles?.admin ?? [] }
  const inGroups = (who: Identity, names: readonly string[]) => who.kind === 'human' && who.groups.some((g) => names.includes(g))
  const seesAll = (who: Identity) => mayActAs(rolesOf(who, groups), 'approver')
  const refusals = new RefusalBudget()
  const auditRoute = createAuditRoutes({ open: opts.openAuditReader, groups, audit: engine.audit })
  const canSee = (who: Identity, r: ApprovalRequest) => seesAll(who) || inGroups(who, r.approval.approvers) || sameIdentity(who, r.requester)

  async function authenticate(req: Request): Promise<Identity | Response> {
    const header = req.headers.get('authorization')
    const read = readCredential('Authorization', header === null ? [] : [header], ['Bearer'])
    const challenge = { 'www-authenticate': 'Bearer realm="warden"' }
    if ('missing' in read) return jsonError(401, 'auth.missing', 'send an Authorization: Bearer <JWT> header (a dev token: npx warden token --as alice --group dba)', challenge)
    if ('malformed' in read) return jsonError(401, 'auth.malformed', `token refused: ${read.malformed}`, challenge)
    try {
      return await engine.authenticate(read.token)
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'auth.invalid'
      return jsonError(401, code, `token rejected: ${(err as Error).message}`, challenge)
    }
  }

  async function list(who: Identity, url: URL): Promise<Response> {
    const status = url.searchParams.get('status')
    if (status !== null && !STATUSES.includes(status as ApprovalStatus)) {
      return jsonError(400, 'request.invalid', `status must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(status)}`)
    }
    const all = await engine.approvals.list(status ? { status: status as ApprovalStatus } : {})
    return json({ approvals: all.filter((r) => canSee(who, r)) })
  }

  async function get(who: Identity, id: string): Promise<Response> {
    const request = await engine.approvals.get(id)
    // A request the caller may not see answers like an unknown one, so ids cannot be probed.
    if (!request || !canSee(who, request)) return jsonError(404, 'approval.not_found', `no approval request ${id} visible to ${who.sub}`)
    return json({ approval: request })
  }

  async function decide(who: Identity, id: string, action: 'approve' | 'deny', req: Request): Promise<Response> {
    const base = { type: 'approval' as const, approval_id: id, action, reviewer: { sub: who.sub, issuer: who.issuer, kind: who.kind }, via: 'admin_api' }
    const throttled = refusals.refuse(who, (error) => engine.audit.record({ ...base, time: new Date().toISOString(), outcome: 'throttled', error }))
    if (throttled) return throttled
    const body = await readNote(req)
    if (body instanceof Response) return body
    const before = await engine.approvals.get(id).catch(() => undefined)
    const event = {
      type: 'approval' as const,
      time: new Date().toISOString(),
      ...(before ? { session_id: before.session_id, target: before.target, requester: { sub: before.requester.sub, issuer: before.requester.issuer } } : {}),
      approval_id: id,
      action,
      reviewer: { sub: who.sub, issuer: who.issuer, kind: who.kind },
      ...(body.note !== undefined ? { note: body.note } : {}),
      via: 'admin_api',
    }
    // An agent can never approve (authorize.ts): its attempt is refused below, with no approval to record first.
    if (action === 'approve' && engine.audit.durable && who.kind === 'human') {
      // An approval releases what it approves, so like a released statement it happens only once the trail has
      // it on record (fail closed): an approver cannot act unseen while the trail's store is down. A denial or a
      // revoke only takes something away, and goes ahead either way.
      engine.audit.record({ ...event, outcome: 'attempted' })
      try {
        await engine.audit.durable()
      } catch (err) {
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'audit.store_unavailable'
        return jsonError(503, code, `the audit trail cannot record this approval now (${(err as Error).message}); nothing was approved, try again once the trail is back`)
      }
    }
    try {
      const decided = action === 'approve' ? await engine.approvals.approve(id, who, body.note) : await engine.approvals.reject(id, who, body.note)
      engine.audit.record({ ...event, outcome: decided.status, ...(decided.grant ? { grant: { id: decided.grant.id, scope: decided.grant.scope, expires_at_ns: decided.grant.expires_at_ns } } : {}) })
      return json({ approval: decided })
    } catch (err) {
      if (!(err instanceof ApprovalError)) throw err
      engine.audit.record({ ...event, outcome: 'refused', error: { code: err.code, message: err.message } })
      refusals.refused(who)
      return jsonError(statusOfApprovalError(err.code), err.code, err.message)
    }
  }

  const grants = createGrantRoutes({ engine, seesAll, refusals })

  async function route(who: Identity, req: Request, url: URL, path: string): Promise<Response> {
    if (path === '/v1/approvals') return req.method === 'GET' ? list(who, url) : methodNotAllowed('GET')
    if (path === '/v1/grants' || path.startsWith('/v1/grants/')) return grants(who, path, url, req)
    if (path.startsWith('/v1/audit/')) {
      const audited = await auditRoute(who, rolesOf(who, groups), req, url, path)
      if (audited) return audited
    }
    const match = APPROVAL_PATH.exec(path)
    if (!match) return jsonError(404, 'route.not_found', `no route ${req.method} ${url.pathname}; see GET /v1/approvals, GET /v1/approvals/:id, POST /v1/approvals/:id/approve|deny, GET /v1/grants, POST /v1/grants/:id/revoke, GET /v1/audit/verify|sessions|sessions/:id|export`)
    const [, id, action] = match as unknown as [string, string, 'approve' | 'deny' | undefined]
    if (!action) return req.method === 'GET' ? get(who, id) : methodNotAllowed('GET')
    return req.method === 'POST' ? decide(who, id, action, req) : methodNotAllowed('POST')
  }

  return async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    const path = url.pathname.replace(/\/+$/, '') || '/'
    if (path === '/healthz') return req.method === 'GET' || req.method === 'HEAD' ? json({ status: 'ok' }) : methodNotAllowed('GET')
    const who = await authenticate(req)
    if (who instanceof Response) return who
    // A store that cannot answer (database down, gateway stopping) is a 503 with its reason, not a bare 500.
    return route(who, req, url, path).catch((err: unknown) => {
      if (!(err instanceof ApprovalError)) throw err
      return jsonError(statusOfApprovalError(err.code), err.code, err.message)
    })
  }
}

function methodNotAllowed(allow: string): Response {
  return jsonError(405, 'route.method', `use ${allow} on this path`, { allow })
}
