// The columns a store keeps beside each record so its readers can search (sessions, replay): taken from the
// event when it is appended. They are not hashed, so verify takes them from the event again and compares: a
// column edited by hand would otherwise file a record under another session, or hide it from its own.
export interface IndexColumns {
  session_id: string | null
  type: string | null
  sub: string | null
  target: string | null
  effect: string | null
}

export const INDEX_COLUMN_NAMES = ['session_id', 'type', 'sub', 'target', 'effect'] as const

export function indexColumns(event: Record<string, unknown>): IndexColumns {
  // PostgreSQL text cannot hold NUL, and one value it refuses fails the batch (and every retry of it, so every
  // statement waiting on the trail): NUL becomes U+FFFD here. The event's JSON text keeps it, escaped as \u0000.
  const str = (v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '\uFFFD') : null)
  const identity = event.identity as { sub?: unknown } | undefined
  return {
    session_id: str(event.session_id),
    type: str(event.type),
    sub: str(identity?.sub),
    target: str(event.target),
    effect: str(event.effect) ?? str(event.decision),
  }
}

/** The first column whose stored value is not the one the event gives, or undefined when all agree. */
export function columnMismatch(stored: IndexColumns, event: Record<string, unknown>): { name: string; stored: unknown; expected: string | null } | undefined {
  const expected = indexColumns(event)
  for (const name of INDEX_COLUMN_NAMES) {
    const value = stored[name] ?? null
    if (value !== expected[name]) return { name, stored: value, expected: expected[name] }
  }
  return undefined
}
