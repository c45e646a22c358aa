// The approval store's rules, once, over any backend (memory, SQLite, PostgreSQL): opening a request with its
// review text sealed, who may approve, the quorum, the grant an approval creates, expiry, waiting for a
// decision made here or by another gateway, and the live grants the engine reads at judge time.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Identity, InputDocument } from '../types.ts'
import { authorizeDecision } from './authorize.ts'
import type { ApprovalBackend, ChangedIds, RequestChange } from './backend.ts'
import { ApprovalError } from './errors.ts'
import { expiresMs, grantFor, grantSealed, LiveGrants, sealGrant } from './grants.ts'
import { randomId } from './ids.ts'
import { mayBeSamePerson } from './people.ts'
import { describeNeed, quorumMet, stillNeeded } from './quorum.ts'
import { type ReviewCipher, SEALED_VERSION, sealedKeyId, sealedVersion } from './review-cipher.ts'
import type { ApprovalRequest, ApprovalStore, GrantRecord, NewApprovalRequest } from './types.ts'
import { approvalObligationOf } from './validate.ts'
import { createWaiters } from './waiters.ts'

export const DAY_MS = 24 * 60 * 60 * 1000

export type ApprovalEvent = { type: 'requested' | 'resolved'; request: ApprovalRequest }

export interface ApprovalStoreOptions {
  cipher: ReviewCipher
  now?: () => number
  /** Requests pending at once; past it a statement is refused instead of held. */
  maxPending?: number
  /**
   * Requests one requester (issuer + subject) may have pending at once, so that one agent cannot take every
   * slot of maxPending and leave every other session unable to be held (default 20).
   */
  maxPendingPerRequester?: number
  /** How long a pending request can still be approved (default a day), whether or not anyone still waits. */
  requestTtlMs?: number
  /** How long decided requests and ended grants are kept (default 30 days). */
  retainMs?: number
  /** Most requests list() returns (the most recent). */
  listLimit?: number
  /** Told of each new request and of each request this store settled (the webhook); must not block. */
  onEvent?: (event: ApprovalEvent) => void
}

const iso = (ms: number) => new Date(ms).toISOString()

/** sha256 of the RFC 8785 canonical input without its session (ids and grants change; the command does not). */
export function inputDigest(input: InputDocument): string {
  const { session: _session, ...judged } = input
  return createHash('sha256').update(canonicalize(judged) ?? '').digest('hex')
}

/**
 * What a review text is sealed for: its request as it was held, everything but what a decision changes (status,
 * votes, grant) and the text itself: id, requester, session, target, command digests, reasons and the approval
 * obligation (who approves, the grant's scope and lifetime). A request edited in the store no longer opens, so it
 * cannot be approved into a grant for someone else, somewhere else, wider or longer.
 */
function reviewContext(r: ApprovalRequest): string {
  const { status: _s, decided_at: _at, decided_by: _by, note: _n, approvals: _v, grant: _g, state_seal: _seal, command, ...held } = r
  const { review_text: _text, ...judged } = command
  return canonicalize({ ...held, command: judged }) ?? ''
}

/** What a request's state seal covers: what a decision changes. */
const stateText = (r: ApprovalRequest) =>
  `approval state\n${canonicalize({ id: r.id, status: r.status, approvals: r.approvals, grant: r.grant?.id ?? null }) ?? ''}`

/** A request pending past its expiry is expired, whether or not anything wrote that down yet. */
function effective(r: ApprovalRequest, nowMs: number): ApprovalRequest {
  return r.status === 'pending' && Date.parse(r.expires_at) <= nowMs ? { ...r, status: 'expired', decided_at: r.expires_at } : r
}

/** Opens the store over `backend`, loading the grants in force into the live cache first. */
export async function createApprovalStore(backend: ApprovalBackend, opts: ApprovalStoreOptions): Promise<ApprovalStore> {
  const now = opts.now ?? Date.now
  let initial: GrantRecord[]
  try {
    initial = await backend.grants({}, now())
  } catch (err) {
    await backend.close().catch(() => undefined)
    throw new ApprovalError('approval.store_open', `load the grants in force: ${(err as Error).message}`, { cause: err })
  }
  return approvalStoreOver(backend, opts, initial)
}

/** The store over a backend whose grants in force are `initial` (none, for a new in-memory backend). */
export function approvalStoreOver(backend: ApprovalBackend, opts: ApprovalStoreOptions, initial: GrantRecord[]): ApprovalStore {
  const { cipher } = opts
  const now = opts.now ?? Date.now
  const maxPending = opts.maxPending ?? 1000
  const maxPerRequester = Math.min(opts.maxPendingPerRequester ?? 20, maxPending)
  const requestTtlMs = opts.requestTtlMs ?? DAY_MS
  const retainMs = opts.retainMs ?? 30 * DAY_MS
  // Only grants a gateway sealed enter the live set: whoever can write the store's rows, without the approvals
  // key, cannot make, widen, lengthen or revive one.
  const genuine = (g: GrantRecord) => grantSealed(g, cipher.grantMac)
  // Grants seen revoked (here, or read back from the store), until they expire: whoever can write the rows can
  // put back a grant's row as it was before its revocation, whose seal was genuine then. What a store rolled
  // back while no gateway ran that saw the revoke brings back, only the audit trail's revoke record shows.
  const revoked = new Map<string, number>()
  const ended = (g: GrantRecord) => {
    const at = now()
    for (const [id, until] of revoked) if (until <= at) revoked.delete(id)
    if (g.revoked_at !== undefined && genuine(g)) revoked.set(g.id, expiresMs(g))
    return revoked.has(g.id)
  }
  const admitted = (g: GrantRecord) => genuine(g) && !ended(g)
  // The state a gateway last wrote: votes, status and grant id as they stand only if a gateway wrote them so.
  const sealState = (r: ApprovalRequest): ApprovalRequest => ({ ...r, state_seal: cipher.grantMac(stateText(r)) })
  const stateGenuine = (r: ApprovalRequest) => r.state_seal === cipher.grantMac(stateText(r))
  // Requests seen decided (here, or read back from the store), until they would have expired anyway: whoever can
  // write the rows can put one back whole as it was while pending, its seal genuine then.
  const decided = new Map<string, number>()
  let prunedAt = 0
  const seenDecided = (r: ApprovalRequest) => {
    const at = now()
    // A list reads every request: the map is swept once a minute, not once a request.
    if (at - prunedAt >= 60_000) {
      prunedAt = at
      for (const [id, until] of decided) if (until <= at) decided.delete(id)
    }
    if (r.status !== 'pending' && stateGenuine(r)) decided.set(r.id, Date.parse(r.expires_at))
    return decided.has(r.id)
  }
  const live = new LiveGrants()
  live.replace(initial.filter(admitted), now())
  let closed = false

  /** Store failures become approval.store_unavailable; the rules' own ApprovalErrors pass through. */
  async function guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (err instanceof ApprovalError) throw err
      throw new ApprovalError('approval.store_unavailable', `${what} in the ${backend.kind} approval store: ${(err as Error).message}`, { cause: err })
    }
  }

  /** Why a sealed review text does not open here. */
  function reviewIssue(sealed: string): string {
    const keyId = sealedKeyId(sealed)
    return sealedVersion(sealed) !== SEALED_VERSION
      ? 'not readable: the review text was sealed by an older gateway, in a form not bound to its request as held; deny it and have the statement sent again'
      : keyId !== cipher.keyId
        ? `not readable here: the review text was sealed with approvals key ${keyId ?? '?'}, and this gateway has key ${cipher.keyId}; gateways sharing a store need the same <state_dir>/approvals.key`
        : 'not readable: the review text was not sealed for this request (it was moved from another one, or the request was altered, in the store); deny it'
  }

  function unseal(r: ApprovalRequest): ApprovalRequest {
    seenDecided(r)
    const sealed = r.command.review_text
    const text = cipher.open(sealed, reviewContext(r))
    const review = text ?? `[${reviewIssue(sealed)}]`
    return { ...effective(r, now()), command: { ...r.command, review_text: review } }
  }

  /** Settles the waiters of a decided request, after putting its grant in the live cache so a re-judge sees it. */
  function finish(r: ApprovalRequest): void {
    if (r.grant && admitted(r.grant)) live.put(r.grant, now())
    waiters.settle(r)
  }

  const emit = (type: ApprovalEvent['type'], request: ApprovalRequest) => {
    try {
      opts.onEvent?.({ type, request })
    } catch {
      // A listener's failure is its own: the data path goes on.
    }
  }

  /** Writes a change to one request; `decide` returns the change, or undefined to leave it as it is. */
  async function change(id: string, what: string, decide: (current: ApprovalRequest, atMs: number) => RequestChange | undefined): Promise<{ request: ApprovalRequest; changed: boolean }> {
    const at = now()
    let changed = false
    const stored = await guard(what, () => backend.update(id, (current) => {
      const next = decide(current, at)
      changed = next !== undefined && next.request.status !== 'pending'
      return next && { ...next, request: sealState(next.request) }
    }))
    if (!stored) throw new ApprovalError('approval.not_found', `no approval request ${id}; it never existed or was decided too long ago`)
    const request = unseal(stored)
    if (changed) {
      finish(request)
      emit('resolved', request)
    }
    return { request, changed }
  }

  function pending(current: ApprovalRequest, at: number): void {
    const { status } = effective(current, at)
    if (status !== 'pending') throw new ApprovalError('approval.not_pending', `approval request ${current.id} is already ${status}`)
    if (seenDecided(current)) throw new ApprovalError('approval.not_pending', `approval request ${current.id} was already decided; the store now shows it pending, as it was before (put back by hand)`)
  }

  async function expire(id: string): Promise<ApprovalRequest> {
    return (await change(id, `expire approval request ${id}`, (current, at) =>
      current.status === 'pending' ? { request: { ...current, status: 'expired', decided_at: iso(at) } } : undefined)).request
  }

  const waiters = createWaiters({
    fetch: async (id) => {
      const r = await guard(`read approval request ${id}`, () => backend.get(id))
      return r && unseal(r)
    },
    expire,
    isClosed: () => closed,
  })

  async function refresh(ids: ChangedIds): Promise<void> {
    if (!ids) {
      const current = await backend.grants({}, now())
      // A grant in force here that the store no longer lists in force may have been revoked: remember it if so.
      const listed = new Set(current.map((g) => g.id))
      for (const id of live.ids()) {
        if (listed.has(id)) continue
        const g = await backend.grant(id)
        if (g) ended(g)
      }
      live.replace(current.filter(admitted), now())
      await waiters.recheck(undefined)
      return
    }
    for (const id of ids.grants) {
      const g = await backend.grant(id)
      if (g && admitted(g)) live.put(g, now())
      else live.remove(id)
    }
    await waiters.recheck(ids.requests)
  }
  // A failed refresh is retried by the next notification or poll; the cache keeps what it had.
  backend.watch((ids) => void refresh(ids).catch(() => undefined))

  // Opens run one at a time here, so a burst of requests from one requester is counted whole (gateways sharing
  // one store can each let a requester's burst through once: the share is per gateway, the total is the backend's).
  let opening: Promise<unknown> = Promise.resolve()

  /**
   * Refuses a new request from a requester who already has their share pending; the same command again (a retry
   * of a held request) is let through to the backend, which finds the pending one.
   */
  async function checkShare(request: ApprovalRequest, at: number): Promise<void> {
    // A share as large as the whole is no share: the backend's own count refuses past maxPending.
    if (maxPerRequester >= maxPending) return
    const pending = (await backend.list('pending', maxPending)).filter((r) => Date.parse(r.expires_at) > at && mayBeSamePerson(r.requester, request.requester))
    if (pending.length < maxPerRequester) return
    if (pending.some((r) => r.session_id === request.session_id && r.command.input_digest === request.command.input_digest)) return
    throw new ApprovalError('approval.capacity', `${request.requester.sub} already has ${pending.length} approval requests pending, the most one requester may have at once; a reviewer decides them or they expire before more are held`)
  }

  return {
    kind: backend.kind,

    async request({ input, decision, summary, reviewText = summary, revision }) {
      const approval = approvalObligationOf(decision)
      const at = now()
      const request: ApprovalRequest = {
        id: randomId('apr_'),
        status: 'pending',
        created_at: iso(at),
        expires_at: iso(at + requestTtlMs),
        requester: structuredClone(input.identity),
        session_id: input.session.id,
        target: input.target.name,
        ...(revision !== undefined ? { revision } : {}),
        risk: structuredClone(input.risk),
        command: {
          protocol: input.command.protocol,
          summary,
          review_text: '',
          digest: input.command.digest,
          fingerprint: input.command.fingerprint,
          input_digest: inputDigest(input),
        },
        reasons: structuredClone(decision.reasons),
        approval,
        approvals: [],
      }
      request.command.review_text = cipher.seal(reviewText, reviewContext(request))
      request.state_seal = cipher.grantMac(stateText(request))
      const dedupe = createHash('sha256').update(JSON.stringify([request.session_id, request.command.input_digest, cipher.mac(reviewText)])).digest('hex')
      const open = opening.then(() => guard('open an approval request', async () => {
        await backend.prune(at - retainMs)
        await checkShare(request, at)
        return backend.open(request, dedupe, maxPending, at)
      }))
      opening = open.catch(() => undefined)
      const stored = await open
      const out = unseal(stored)
      if (stored.id === request.id) emit('requested', out)
      return out
    },

    wait: (id, timeoutMs, signal) => waiters.wait(id, timeoutMs, signal),

    async approve(id, approver, note) {
      return (await change(id, `approve ${id}`, (current, at) => {
        pending(current, at)
        // Before who may approve is weighed: the approvers an altered request names are not the policy's.
        if (cipher.open(current.command.review_text, reviewContext(current)) === undefined) {
          throw new ApprovalError('approval.altered', `approval request ${id} cannot be approved, only denied: its review text is ${reviewIssue(current.command.review_text)}`)
        }
        if (!stateGenuine(current)) {
          const why = current.state_seal === undefined ? 'it was held by an older gateway, which did not seal its approvals; deny it and have the statement sent again' : 'its approvals so far or its status were changed in the store, not by a gateway'
          throw new ApprovalError('approval.altered', `approval request ${id} cannot be approved, only denied: ${why}`)
        }
        authorizeDecision(current, approver, 'approve')
        if (current.approvals.some((v) => mayBeSamePerson(v, approver))) {
          throw new ApprovalError('approval.duplicate', `${approver.sub} already approved ${id}; it still needs ${describeNeed(stillNeeded(current.approval, current.approvals))} from someone else`)
        }
        const vote = { sub: approver.sub, issuer: approver.issuer, ...(approver.email !== undefined ? { email: approver.email } : {}), groups: approver.groups.filter((g) => current.approval.approvers.includes(g)), at: iso(at), ...(note !== undefined ? { note } : {}) }
        const next: ApprovalRequest = { ...current, approvals: [...current.approvals, vote] }
        if (!quorumMet(next.approval, next.approvals)) return { request: next }
        const grant = sealGrant(grantFor(next, at), cipher.grantMac)
        return { request: { ...next, status: 'approved', decided_at: iso(at), decided_by: approver.sub, ...(note !== undefined ? { note } : {}), grant }, grant }
      })).request
    },

    async reject(id, approver, note) {
      return (await change(id, `reject ${id}`, (current, at) => {
        pending(current, at)
        authorizeDecision(current, approver, 'reject')
        return { request: { ...current, status: 'rejected', decided_at: iso(at), decided_by: approver.sub, ...(note !== undefined ? { note } : {}) } }
      })).request
    },

    async get(id) {
      const r = await guard(`read approval request ${id}`, () => backend.get(id))
      return r && unseal(r)
    },

    async list(filter) {
      // Stored status first (a pending request may have expired since; an expired one may still be stored pending).
      const stored = filter?.status === 'expired' ? undefined : filter?.status
      const all = await guard('list approval requests', () => backend.list(stored, opts.listLimit ?? 1000))
      return all.map(unseal).filter((r) => !filter?.status || r.status === filter.status)
    },

    grants: (filter = {}) => guard('list grants', () => backend.grants(filter, now())),

    async revoke(grantId, by, note) {
      const at = now()
      const g = await guard(`revoke grant ${grantId}`, () => backend.updateGrant(grantId, (current) => {
        if (current.revoked_at) throw new ApprovalError('grant.revoked', `grant ${grantId} was already revoked by ${current.revoked_by ?? 'someone'} at ${current.revoked_at}`)
        const revoked = { ...current, revoked_at: iso(at), revoked_by: by.sub, ...(note !== undefined ? { revoke_note: note } : {}) }
        // Sealed again with its revocation, so clearing it breaks the seal; a grant that was not genuine stays unsealed.
        return genuine(current) ? sealGrant(revoked, cipher.grantMac) : revoked
      }))
      if (!g) throw new ApprovalError('grant.not_found', `no grant ${grantId}; it never existed or ended too long ago`)
      ended(g)
      live.put(g, at)
      return g
    },

    grantsFor: (holder, nowMs) => live.for(holder, nowMs ?? now()),

    async close() {
      if (closed) return 0
      closed = true
      const ended = waiters.closeAll()
      await backend.close()
      return ended
    },
  }
}
