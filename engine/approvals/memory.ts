// The in-process approval store: requests and grants in Maps, gone with the process (`approvals.store:
// memory`, and the tests). Memory is bounded: at most maxPending requests wait at once, decided requests are
// dropped a day after their decision (and, past RETAINED_PER_PENDING per allowed pending request, oldest first),
// unanswered requests expire after a day, and ended grants are dropped.
import type { ApprovalBackend } from './backend.ts'
import { ApprovalError } from './errors.ts'
import { expiresMs } from './grants.ts'
import { createReviewCipher, REVIEW_KEY_BYTES } from './review-cipher.ts'
import { approvalStoreOver, type ApprovalStoreOptions, DAY_MS } from './store.ts'
import type { ApprovalRequest, ApprovalStore, GrantRecord } from './types.ts'
import { randomBytes } from 'node:crypto'

export interface MemoryApprovalStoreOptions extends Partial<Omit<ApprovalStoreOptions, 'retainMs'>> {}

/** Decided requests kept for review, per allowed pending request, before the oldest are dropped early. */
const RETAINED_PER_PENDING = 10

const copy = <T>(value: T): T => structuredClone(value)

export function createMemoryBackend(): ApprovalBackend {
  const requests = new Map<string, { request: ApprovalRequest; dedupe: string }>()
  const grants = new Map<string, GrantRecord>()
  const ended = (r: ApprovalRequest) => r.decided_at ?? (r.status === 'pending' ? r.expires_at : undefined)

  return {
    kind: 'memory',
    async open(request, dedupe, maxPending, nowMs) {
      const live = [...requests.values()].filter((e) => e.request.status === 'pending' && Date.parse(e.request.expires_at) > nowMs)
      const existing = live.find((e) => e.dedupe === dedupe)
      if (existing) return copy(existing.request)
      if (live.length >= maxPending) {
        throw new ApprovalError('approval.capacity', `${live.length} approval requests are already pending; decide or let some expire before holding more`)
      }
      // Map order is creation order: past the cap, the oldest decided requests go first.
      let excess = requests.size + 1 - maxPending * (RETAINED_PER_PENDING + 1)
      for (const [id, e] of requests) {
        if (excess <= 0) break
        if (e.request.status !== 'pending') {
          requests.delete(id)
          excess--
        }
      }
      requests.set(request.id, { request: copy(request), dedupe })
      return copy(request)
    },
    async update(id, change) {
      const entry = requests.get(id)
      if (!entry) return undefined
      const next = change(copy(entry.request))
      if (next) {
        entry.request = copy(next.request)
        if (next.grant) grants.set(next.grant.id, copy(next.grant))
      }
      return copy(entry.request)
    },
    get: async (id) => {
      const e = requests.get(id)
      return e && copy(e.request)
    },
    list: async (status, limit) => [...requests.values()].map((e) => e.request).filter((r) => !status || r.status === status).slice(-limit).map(copy),
    grant: async (id) => {
      const g = grants.get(id)
      return g && copy(g)
    },
    grants: async (filter, nowMs) => [...grants.values()]
      .filter((g) => (filter.all || (g.revoked_at === undefined && expiresMs(g) > nowMs)) && (!filter.target || g.target === filter.target) && (!filter.sub || g.subject.sub === filter.sub))
      .map(copy),
    async updateGrant(id, change) {
      const g = grants.get(id)
      if (!g) return undefined
      const next = copy(change(copy(g)))
      grants.set(id, next)
      return copy(next)
    },
    async prune(beforeMs) {
      for (const [id, e] of requests) {
        const end = ended(e.request)
        if (end !== undefined && Date.parse(end) < beforeMs) requests.delete(id)
      }
      for (const [id, g] of grants) if (expiresMs(g) < beforeMs || (g.revoked_at !== undefined && Date.parse(g.revoked_at) < beforeMs)) grants.delete(id)
    },
    watch: () => undefined,
    close: async () => undefined,
  }
}

/** An in-memory store; without a cipher, review texts are sealed under a random key of this process. */
export function createMemoryApprovalStore(opts: MemoryApprovalStoreOptions = {}): ApprovalStore {
  const cipher = opts.cipher ?? createReviewCipher(randomBytes(REVIEW_KEY_BYTES))
  return approvalStoreOver(createMemoryBackend(), { ...opts, cipher, retainMs: DAY_MS }, [])
}
