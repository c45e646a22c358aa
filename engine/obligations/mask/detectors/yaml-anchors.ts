// YAML anchors and aliases: after `x: &p hunter2`, `password: *p` gives `password` the anchored value, and a
// client that parses the YAML reads hunter2 under the secret name. An alias held by a secret value (or written
// right after a secret name, in a flow mapping too) masks the value of every anchor of its name, wherever it is
// written, and the aliases that value holds mask their anchors in turn. Fails closed: a value is masked to the end
// of its line and over every line below indented deeper than the line it starts on.
import type { Span } from './types.ts'

// An anchor (`&name`) or alias (`*name`) starts a node: at a line's start, after a blank or a flow indicator. Its
// name runs to a blank or a flow indicator.
const ANCHOR = /(?<![^\s[{,])&([^\s,[\]{}]+)/g
const ALIAS = /(?<![^\s[{,])\*([^\s,[\]{}]+)/g
const ALIAS_AT = /\*([^\s,[\]{}]+)/y

/** Adds the names of the aliases written in text[start, end) to `into`. */
export function aliasesIn(text: string, start: number, end: number, into: Set<string>): void {
  const part = text.slice(start, end)
  if (!part.includes('*')) return
  ALIAS.lastIndex = 0
  for (let m = ALIAS.exec(part); m !== null; m = ALIAS.exec(part)) into.add(m[1]!)
}

/** The name of the alias that starts at `at`, if one does. */
export function aliasAt(text: string, at: number): string | undefined {
  ALIAS_AT.lastIndex = at
  return ALIAS_AT.exec(text)?.[1]
}

function lineEndAt(text: string, from: number): number {
  let end = from
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++
  return end
}

/**
 * The value an anchor ending at `at` names: the rest of its line (blanks and a comment aside) and every line
 * below indented deeper than its line's first character, or a list at that column.
 */
function anchoredValue(text: string, at: number): Span | undefined {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1
  const column = /^[ \t]*/.exec(text.slice(lineStart, at))![0].length
  let start = at
  while (start < text.length && (text[start] === ' ' || text[start] === '\t')) start++
  let end = lineEndAt(text, start)
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  if (text[start] === '#' || end === start) start = end = -1
  let next = text.indexOf('\n', at)
  while (next !== -1) {
    const from = next + 1
    const stop = lineEndAt(text, from)
    const line = text.slice(from, stop)
    const lead = /^[ \t]*/.exec(line)![0].length
    next = text.indexOf('\n', from)
    if (lead === line.length) continue
    if (!(lead > column || (lead === column && /^-(?:[ \t]|$)/.test(line.slice(lead))))) break
    if (start === -1) start = from + lead
    end = stop
  }
  return start === -1 ? undefined : { start, end, label: 'secret' }
}

// Most anchored values a text may have masked one by one; past it the text is masked whole. Each value is read to
// the end of the lines below it, so a text of nested anchors costs this many scans of it at most.
const MAX_ANCHORED = 64

/**
 * The values of the anchors `aliases` names, and of those their values name in turn. An anchor inside a value
 * already masked is not read again: its value is inside, and so are the aliases it holds.
 */
export function anchoredSpans(text: string, aliases: Set<string>): Span[] {
  if (aliases.size === 0 || !text.includes('&')) return []
  const anchors = new Map<string, number[]>()
  ANCHOR.lastIndex = 0
  for (let m = ANCHOR.exec(text); m !== null; m = ANCHOR.exec(text)) {
    const ends = anchors.get(m[1]!) ?? []
    ends.push(m.index + m[0].length)
    anchors.set(m[1]!, ends)
  }
  const spans: Span[] = []
  const done = new Set<string>()
  for (let pending = [...aliases]; pending.length > 0; ) {
    const name = pending.pop()!
    if (done.has(name)) continue
    done.add(name)
    for (const at of anchors.get(name) ?? []) {
      if (spans.some((s) => s.start <= at && at <= s.end)) continue
      const value = anchoredValue(text, at)
      if (!value) continue
      if (spans.length === MAX_ANCHORED) return [{ start: 0, end: text.length, label: 'secret' }]
      spans.push(value)
      const inner = new Set<string>()
      aliasesIn(text, value.start, value.end, inner)
      for (const alias of inner) if (!done.has(alias)) pending.push(alias)
    }
  }
  return spans
}
