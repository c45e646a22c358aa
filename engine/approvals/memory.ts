// The in-process approval store: held requests, their waiters and the grants approvals create. Memory is
// bounded: at most maxPending requests wait at once, decided requests are dropped a day after their
// decision, unanswered requests expire after a day, and grants are dropped when they expire.
import type { Decision, Grant, Identity, InputDocument } from '../types.ts'
import { authorizeDecision } from './authorize.ts'
import { ApprovalError } from './errors.ts'
import { randomId } from './ids.ts'
import type { ApprovalRequest, ApprovalStatus, ApprovalStore } from './types.ts'
import { approvalObligationOf } from './validate.ts'

export interface MemoryApprovalStoreOptions {
  now?: () => number
  maxPending?: number
}

const DAY_MS = 24 * 60 * 60 * 1000
/** Decided requests kept for review, per allowed pending request, before the oldest are dropped early. */
const RETAINED_PER_PENDING = 10

interface Waiter {
  resolve(request: ApprovalRequest): void
  timer: ReturnType<typeof setTimeout>
  signal?: AbortSignal
  onAbort: () => void
}

interface Entry {
  request: ApprovalRequest
  createdMs: number
  decidedMs?: number
  waiters: Set<Waiter>
}

const snapshot = (request: ApprovalRequest): ApprovalRequest => structuredClone(request)

export function createMemoryApprovalStore(opts: MemoryApprovalStoreOptions = {}): ApprovalStore {
  const now = opts.now ?? Date.now
  const maxPending = opts.maxPending ?? 1000
  const entries = new Map<string, Entry>()
  const pendingByCommand = new Map<string, string>() // session + digest + review text → id
  const grants = new Map<string, Grant[]>() // session id → grants
  const keyOf = (session: string, digest: string, review: string) => JSON.stringify([session, digest, review])
  const commandKey = (r: ApprovalRequest) => keyOf(r.session_id, r.command.digest, r.command.review_text)

  function find(id: string): Entry {
    const entry = entries.get(id)
    if (!entry) throw new ApprovalError('approval.not_found', `no approval request ${id}; it never existed or was decided more than a day ago`)
    return entry
  }

  function settle(entry: Entry, status: Exclude<ApprovalStatus, 'pending'>, by?: Identity, note?: string): void {
    const at = now()
    entry.request.status = status
    entry.request.decided_at = new Date(at).toISOString()
    entry.decidedMs = at
    if (by) entry.request.decided_by = by.sub
    if (note !== undefined) entry.request.note = note
    pendingByCommand.delete(commandKey(entry.request))
    const result = snapshot(entry.request)
    for (const waiter of entry.waiters) {
      clearTimeout(waiter.timer)
      waiter.signal?.removeEventListener('abort', waiter.onAbort)
      waiter.resolve(result)
    }
    entry.waiters.clear()
  }

  function prune(at: number): void {
    for (const [id, entry] of entries) {
      if (entry.request.status === 'pending' && at - entry.createdMs > DAY_MS) settle(entry, 'expired')
      if (entry.decidedMs !== undefined && at - entry.decidedMs > DAY_MS) entries.delete(id)
    }
    // Map order is creation order: past the cap, the oldest decided requests go first.
    let excess = entries.size - maxPending * (RETAINED_PER_PENDING + 1)
    for (const [id, entry] of entries) {
      if (excess <= 0) break
      if (entry.request.status !== 'pending') {
        entries.delete(id)
        excess--
      }
    }
    for (const [session, list] of grants) {
      const live = list.filter((g) => g.expires_at_ns > at * 1e6)
      if (live.length) grants.set(session, live)
      else grants.delete(session)
    }
  }

  function pendingEntry(id: string): Entry {
    const entry = find(id)
    prune(now())
    if (entry.request.status !== 'pending') {
      throw new ApprovalError('approval.not_pending', `approval request ${id} is already ${entry.request.status}`)
    }
    return entry
  }

  function grantFor(request: ApprovalRequest, approver: Identity, at: number): Grant {
    const { scope, ttl_seconds } = request.approval
    const grant: Grant = { id: randomId('grt_'), scope, approved_by: approver.sub, expires_at_ns: (at + ttl_seconds * 1000) * 1e6 }
    if (scope === 'statement') grant.digest = request.command.digest
    if (scope === 'fingerprint') grant.fingerprint = request.command.fingerprint
    return grant
  }

  return {
    request(input: InputDocument, decision: Decision, summary: string, reviewText = summary): ApprovalRequest {
      const approval = approvalObligationOf(decision)
      const at = now()
      prune(at)
      const existing = pendingByCommand.get(keyOf(input.session.id, input.command.digest, reviewText))
      if (existing !== undefined) return snapshot(find(existing).request)
      const pending = [...entries.values()].filter((e) => e.request.status === 'pending').length
      if (pending >= maxPending) {
        throw new ApprovalError('approval.capacity', `${pending} approval requests are already pending; decide or let some expire before holding more`)
      }
      const request: ApprovalRequest = {
        id: randomId('apr_'),
        status: 'pending',
        created_at: new Date(at).toISOString(),
        requester: structuredClone(input.identity),
        session_id: input.session.id,
        target: input.target.name,
        command: { protocol: input.command.protocol, summary, review_text: reviewText, digest: input.command.digest, fingerprint: input.command.fingerprint },
        reasons: structuredClone(decision.reasons),
        approval,
      }
      entries.set(request.id, { request, createdMs: at, waiters: new Set() })
      pendingByCommand.set(commandKey(request), request.id)
      return snapshot(request)
    },

    wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRequest> {
      let entry: Entry
      try {
        entry = find(id)
      } catch (err) {
        return Promise.reject(err)
      }
      if (entry.request.status !== 'pending') return Promise.resolve(snapshot(entry.request))
      if (signal?.aborted) {
        return Promise.reject(new ApprovalError('approval.aborted', `stopped waiting for approval ${id}: the wait was aborted`, { cause: signal.reason }))
      }
      return new Promise<ApprovalRequest>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          signal,
          timer: setTimeout(() => settle(entry, 'expired'), Math.max(0, timeoutMs)),
          onAbort: () => {
            clearTimeout(waiter.timer)
            entry.waiters.delete(waiter)
            // Nobody is left to receive the outcome, so a later approval would release nothing.
            if (entry.waiters.size === 0 && entry.request.status === 'pending') settle(entry, 'expired')
            reject(new ApprovalError('approval.aborted', `stopped waiting for approval ${id}: the wait was aborted`, { cause: signal?.reason }))
          },
        }
        entry.waiters.add(waiter)
        signal?.addEventListener('abort', waiter.onAbort, { once: true })
      })
    },

    approve(id: string, approver: Identity, note?: string): ApprovalRequest {
      const entry = pendingEntry(id)
      authorizeDecision(entry.request, approver, 'approve')
      const grant = grantFor(entry.request, approver, now())
      const list = grants.get(entry.request.session_id) ?? []
      list.push(grant)
      grants.set(entry.request.session_id, list)
      entry.request.grant = grant
      settle(entry, 'approved', approver, note)
      return snapshot(entry.request)
    },

    reject(id: string, approver: Identity, note?: string): ApprovalRequest {
      const entry = pendingEntry(id)
      authorizeDecision(entry.request, approver, 'reject')
      settle(entry, 'rejected', approver, note)
      return snapshot(entry.request)
    },

    get(id: string): ApprovalRequest | undefined {
      prune(now())
      const entry = entries.get(id)
      return entry && snapshot(entry.request)
    },

    list(filter?: { status?: ApprovalStatus }): ApprovalRequest[] {
      prune(now())
      return [...entries.values()].filter((e) => !filter?.status || e.request.status === filter.status).map((e) => snapshot(e.request))
    },

    grantsFor(sessionId: string, nowMs?: number): Grant[] {
      const at = nowMs ?? now()
      return (grants.get(sessionId) ?? []).filter((g) => g.expires_at_ns > at * 1e6).map((g) => ({ ...g }))
    },
  }
}
