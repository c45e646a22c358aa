// Who is who, for the two questions approvals ask about people:
//   - the same principal (exact issuer and subject): what grants a right, such as withdrawing one's own request;
//   - possibly the same person: what takes a right away, such as approving one's own request or counting twice
//     toward a quorum. A subject is unique only within its issuer, but one person often holds accounts at two
//     trusted issuers with the same subject (an email address, a username), or one whose case or spacing
//     differs; and a verified email names a person whatever issuer vouches for it. Erring here refuses an
//     approval someone else can give; erring the other way lets one person approve alone.
import type { Identity } from '../types.ts'

export type Person = Pick<Identity, 'issuer' | 'sub'> & { email?: string }

export const samePrincipal = (a: Pick<Identity, 'issuer' | 'sub'>, b: Pick<Identity, 'issuer' | 'sub'>) => a.issuer === b.issuer && a.sub === b.sub

/** A name compared as a person would read it: compatibility forms folded, spacing trimmed, case ignored. */
const folded = (name: string) => name.normalize('NFKC').trim().toLowerCase()

export function mayBeSamePerson(a: Person, b: Person): boolean {
  if (samePrincipal(a, b) || folded(a.sub) === folded(b.sub)) return true
  return a.email !== undefined && b.email !== undefined && folded(a.email) !== '' && folded(a.email) === folded(b.email)
}

/** How many different people `who` are, counting anyone who may be someone already counted as no one new. */
export function distinctPeople(who: readonly Person[]): number {
  const counted: Person[] = []
  for (const p of who) if (!counted.some((c) => mayBeSamePerson(c, p))) counted.push(p)
  return counted.length
}
