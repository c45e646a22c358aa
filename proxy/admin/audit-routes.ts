// The audit trail over the admin API, for the auditor role (and admin): the same readers as `warden audit`.
//   GET /v1/audit/verify                                  {report}: the chain and its signed checkpoints
//   GET /v1/audit/sessions?since=&identity=&target=       {sessions, truncated?}: the 10,000 most recent
//   GET /v1/audit/sessions/:id                            {replay}: the session in chain order
//   GET /v1/audit/export?format=jsonl                     OPA decision-log entries, one JSON object a line, streamed
// Each read, allowed or refused, is itself recorded in the trail (type admin), so who read what is on record.
// A reader (its own store connection) is opened per request and closed when the response is done.
import { AuditError } from '../../engine/audit/errors.ts'
import { type AuditReader, parseSince } from '../../engine/audit/reader.ts'
import type { AuditSink } from '../../engine/audit/types.ts'
import { terminalJson } from '../../engine/printable.ts'
import type { Identity } from '../../engine/types.ts'
import { json, jsonError, SAFE_HEADERS } from './json.ts'
import { mayActAs, type Role, type RoleGroups } from './roles.ts'

export interface AuditRoutesOptions {
  /** Opens a reader on the gateway's trail; absent when it keeps none (audit.store: pino). */
  open?: () => Promise<AuditReader>
  groups: RoleGroups
  audit: AuditSink
}

const SESSION_PATH = /^\/v1\/audit\/sessions\/([^/]{1,200})$/
const CHUNK_BYTES = 64 * 1024
const encoder = new TextEncoder()

/** The export as a byte stream: entries are read as the client takes them, and the reader closed at the end. */
function exportStream(reader: AuditReader): ReadableStream<Uint8Array> {
  const entries = reader.decisionLog()[Symbol.asyncIterator]()
  let closed = false
  const finish = async () => {
    if (closed) return
    closed = true
    await reader.close().catch(() => undefined)
  }
  return new ReadableStream({
    async pull(controller) {
      try {
        let chunk = ''
        while (chunk.length < CHUNK_BYTES) {
          const next = await entries.next()
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk))
            controller.close()
            return finish()
          }
          chunk += `${terminalJson(next.value)}\n`
        }
        controller.enqueue(encoder.encode(chunk))
      } catch (err) {
        controller.error(err)
        await finish()
      }
    },
    async cancel() {
      await entries.return?.(undefined)
      await finish()
    },
  })
}

export function createAuditRoutes(opts: AuditRoutesOptions) {
  function record(who: Identity, action: string, outcome: string, details: Record<string, unknown> = {}) {
    opts.audit.record({ type: 'admin', time: new Date().toISOString(), action, actor: { sub: who.sub, issuer: who.issuer, kind: who.kind }, outcome, via: 'admin_api', ...details })
  }

  async function answer(action: string, url: URL, id: string | undefined, reader: AuditReader): Promise<Response> {
    switch (action) {
      case 'audit.verify': return json({ report: await reader.verify() })
      case 'audit.sessions': {
        const q = url.searchParams
        const since = q.get('since')
        const filter = { since: since === null ? undefined : parseSince(since), identity: q.get('identity') ?? undefined, target: q.get('target') ?? undefined }
        return json(await reader.sessions(filter))
      }
      case 'audit.show': {
        const replay = await reader.replay(id!)
        return replay ? json({ replay }) : jsonError(404, 'audit.session_not_found', `no session ${JSON.stringify(id)} in the audit trail; list sessions with GET /v1/audit/sessions`)
      }
      default: {
        const format = url.searchParams.get('format') ?? 'jsonl'
        if (format !== 'jsonl') return jsonError(400, 'request.invalid', `format must be jsonl; got ${JSON.stringify(format)}`)
        return new Response(exportStream(reader), { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', ...SAFE_HEADERS } })
      }
    }
  }

  /** The response for an /v1/audit/… path, or undefined when the path is not one of these routes. */
  return async function route(who: Identity, held: ReadonlySet<Role>, req: Request, url: URL, path: string): Promise<Response | undefined> {
    const match = SESSION_PATH.exec(path)
    const action = path === '/v1/audit/verify' ? 'audit.verify' : path === '/v1/audit/sessions' ? 'audit.sessions' : path === '/v1/audit/export' ? 'audit.export' : match ? 'audit.show' : undefined
    if (!action) return undefined
    if (req.method !== 'GET') return jsonError(405, 'route.method', 'use GET on this path', { allow: 'GET' })
    const rawId = match?.[1]
    let id: string | undefined
    try {
      id = rawId === undefined ? undefined : decodeURIComponent(rawId)
    } catch {
      id = undefined
    }
    const subject = rawId !== undefined ? { session: id ?? rawId } : {}
    if (!mayActAs(held, 'auditor')) {
      record(who, action, 'forbidden', subject)
      const groups = [...opts.groups.auditor, ...opts.groups.admin]
      return jsonError(403, 'auth.forbidden', `reading the audit trail takes the auditor role: a human in ${groups.length ? `one of the groups ${groups.join(', ')}` : 'a group listed under roles.auditor or roles.admin (none are configured)'}; ${who.sub} is not`)
    }
    if (rawId !== undefined && id === undefined) return jsonError(400, 'request.invalid', `the session id ${JSON.stringify(rawId.slice(0, 200))} is not valid percent-encoding; list sessions with GET /v1/audit/sessions`)
    if (!opts.open) return jsonError(404, 'audit.no_trail', 'this gateway keeps no tamper-evident trail (audit.store: pino); there is nothing to verify, replay or export')
    record(who, action, 'allowed', subject)
    let reader: AuditReader
    try {
      reader = await opts.open()
    } catch (err) {
      if (err instanceof AuditError) return jsonError(503, err.code, err.message)
      throw err
    }
    let streaming = false
    try {
      const res = await answer(action, url, id, reader)
      streaming = action === 'audit.export' && res.ok
      return res
    } catch (err) {
      if (err instanceof AuditError && err.code === 'audit.filter') return jsonError(400, 'request.invalid', err.message)
      throw err
    } finally {
      // The export's stream closes its reader when it ends.
      if (!streaming) await reader.close().catch(() => undefined)
    }
  }
}
