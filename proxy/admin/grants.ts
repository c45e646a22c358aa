// The admin API's grant routes: list the grants approvals created, and revoke one. Humans in the approver
// groups of the config see and revoke every grant; anyone sees, and may give up, the grants made for them.
// Every revoke attempt, done or refused, is recorded in the audit log.
import { ApprovalError } from '../../engine/approvals/errors.ts'
import type { GrantRecord } from '../../engine/approvals/types.ts'
import type { GatewayEngine } from '../../engine/gateway.ts'
import type { Identity } from '../../engine/types.ts'
import { json, jsonError, readNote, statusOfApprovalError } from './json.ts'
import type { RefusalBudget } from './refusal-budget.ts'

export interface GrantRoutesOptions {
  engine: Pick<GatewayEngine, 'approvals' | 'audit'>
  /** Whether this caller sees (and may revoke) every grant. */
  seesAll(who: Identity): boolean
  /** Refused attempts per caller, shared with the approval routes. */
  refusals: RefusalBudget
}

const GRANT_PATH = /^\/v1\/grants\/([A-Za-z0-9_-]{1,64})\/revoke$/

const ownGrant = (who: Identity, g: GrantRecord) => g.subject.issuer === who.issuer && g.subject.sub === who.sub

export function createGrantRoutes(opts: GrantRoutesOptions) {
  const { engine } = opts
  const canSee = (who: Identity, g: GrantRecord) => opts.seesAll(who) || ownGrant(who, g)

  async function list(who: Identity, url: URL): Promise<Response> {
    const all = url.searchParams.get('all')
    if (all !== null && all !== 'true' && all !== 'false') return jsonError(400, 'request.invalid', `all must be true or false; got ${JSON.stringify(all)}`)
    const target = url.searchParams.get('target') ?? undefined
    const grants = await engine.approvals.grants({ all: all === 'true', ...(target ? { target } : {}) })
    return json({ grants: grants.filter((g) => canSee(who, g)) })
  }

  async function revoke(who: Identity, id: string, req: Request): Promise<Response> {
    const base = { type: 'approval' as const, action: 'revoke_grant', grant_id: id, reviewer: { sub: who.sub, issuer: who.issuer, kind: who.kind }, via: 'admin_api' }
    const throttled = opts.refusals.refuse(who, (error) => engine.audit.record({ ...base, time: new Date().toISOString(), outcome: 'throttled', error }))
    if (throttled) return throttled
    const body = await readNote(req)
    if (body instanceof Response) return body
    const event = {
      type: 'approval' as const,
      time: new Date().toISOString(),
      action: 'revoke_grant',
      grant_id: id,
      reviewer: { sub: who.sub, issuer: who.issuer, kind: who.kind },
      ...(body.note !== undefined ? { note: body.note } : {}),
      via: 'admin_api',
    }
    try {
      const found = (await engine.approvals.grants({ all: true })).find((g) => g.id === id)
      // A grant the caller may not see answers like an unknown one, so ids cannot be probed.
      if (!found || !canSee(who, found)) throw new ApprovalError('grant.not_found', `no grant ${id} visible to ${who.sub}`)
      const revoked = await engine.approvals.revoke(id, who, body.note)
      engine.audit.record({ ...event, session_id: revoked.session_id, target: revoked.target, approval_id: revoked.approval_id, outcome: 'revoked' })
      return json({ grant: revoked })
    } catch (err) {
      if (!(err instanceof ApprovalError)) throw err
      engine.audit.record({ ...event, outcome: 'refused', error: { code: err.code, message: err.message } })
      opts.refusals.refused(who)
      return jsonError(statusOfApprovalError(err.code), err.code, err.message)
    }
  }

  return async function grants(who: Identity, path: string, url: URL, req: Request): Promise<Response> {
    if (path === '/v1/grants') return req.method === 'GET' ? list(who, url) : jsonError(405, 'route.method', 'use GET on this path', { allow: 'GET' })
    const match = GRANT_PATH.exec(path)
    if (!match) return jsonError(404, 'route.not_found', `no route ${req.method} ${url.pathname}; see GET /v1/grants, POST /v1/grants/:id/revoke`)
    return req.method === 'POST' ? revoke(who, match[1]!, req) : jsonError(405, 'route.method', 'use POST on this path', { allow: 'POST' })
  }
}
