// A gateway engine for admin API tests: tokens are identity names, the approval store and audit sink are
// the real in-memory ones, and one statement by the agent is already held.
import { createMemoryApprovalStore } from '../../engine/approvals/memory.ts'
import { agent, alice, approveDecision, approverAgent, bob, heldInput } from '../../engine/approvals/fixtures.ts'
import { createMemoryAuditSink } from '../../engine/audit/memory-sink.ts'
import { IdentityError } from '../../engine/identity/errors.ts'
import type { Identity } from '../../engine/types.ts'

export const people: Record<string, Identity> = {
  agent,
  alice,
  bob,
  'reviewer-bot': approverAgent,
  carol: { sub: 'carol', issuer: 'https://idp.example', groups: ['sre'], kind: 'human' },
}

export async function fakeAdminEngine() {
  const approvals = createMemoryApprovalStore()
  const audit = createMemoryAuditSink()
  const held = await approvals.request({ input: heldInput(), decision: approveDecision(), summary: 'DELETE FROM users WHERE id = ?', reviewText: "DELETE FROM users WHERE id = '7'" })
  const engine = {
    approvals,
    audit,
    async authenticate(token: string): Promise<Identity> {
      const who = people[token]
      if (!who) throw new IdentityError('token.malformed', 'token is not a signed JWT')
      return who
    },
  }
  return { engine, held }
}
