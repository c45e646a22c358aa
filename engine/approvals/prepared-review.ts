// A held SQL EXECUTE runs a prepared statement its text only names: `EXECUTE up('free')` says nothing of what
// `up` does, and a statement prepared by a Parse without a Bind was never held, so no reviewer saw it anywhere.
// The review text says, after the command, the statement each EXECUTE runs, as the engine resolved and judged it.
import type { Command } from '../types.ts'
import { MAX_REVIEW_CHARS } from './review-text.ts'

/** `text` followed by the text of each prepared statement the command's EXECUTEs run; unchanged without any. */
export function withPreparedStatements(text: string, command: Command): string {
  const statements = command.sql?.statements ?? []
  const runs = statements.flatMap((s) => {
    if (s.nested?.via !== 'execute') return []
    const name = statements[s.nested.parent_index]?.detail.name
    return [`-- EXECUTE ${typeof name === 'string' ? name : '?'} runs the statement prepared as:\n${s.text}`]
  })
  if (runs.length === 0) return text
  const whole = [text, ...new Set(runs)].join('\n')
  if (whole.length <= MAX_REVIEW_CHARS) return whole
  // Not between the two halves of a surrogate pair.
  const end = /[\ud800-\udbff]/.test(whole[MAX_REVIEW_CHARS - 1] ?? '') ? MAX_REVIEW_CHARS - 1 : MAX_REVIEW_CHARS
  return `${whole.slice(0, end)}\n-- [cut: the prepared statements are longer than ${MAX_REVIEW_CHARS} characters, and the rest is not shown; deny it, since what would run is not all here]`
}
