// The reviewed list of intended relaxations (policies/diff-acknowledged.yaml, schemas/diff-acknowledged.schema.json).
// A relaxation `warden diff` finds is acknowledged when every rule behind it is covered by an entry whose
// change, target and digest (when given) also match; a relaxation nobody acknowledged fails the diff.
import { LineCounter, parseDocument } from 'yaml'
import { CodedError } from '../errors.ts'
import { compileGlob } from '../obligations/mask/glob.ts'
import { validator } from '../schema/validate.ts'
import type { Change, Flip } from './compare.ts'

export interface Acknowledgement {
  rule: string
  change?: Change
  target?: string
  digest?: string
  reason: string
  /** `file:line` of the entry. */
  location: string
}

export class AcknowledgementError extends CodedError<'usage.acknowledged'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage.acknowledged', message, options)
  }
}

interface Entry { rule: string; change?: string; target?: string; digest?: string; reason: string }

const schema = validator<{ acknowledged: Entry[] }>('diff-acknowledged')

/** Parses and validates the file's text; `file` names it in errors and locations. */
export function parseAcknowledgements(text: string, file: string): Acknowledgement[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  const first = doc.errors[0]
  if (first) {
    const pos = first.linePos?.[0]
    throw new AcknowledgementError(`${pos ? `${file}:${pos.line}:${pos.col}` : file}: invalid YAML: ${first.message.split('\n')[0]}`)
  }
  const value: unknown = doc.toJS() ?? { acknowledged: [] }
  const issues = schema.issues(value)
  if (issues.length) throw new AcknowledgementError(`${file}: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
  const items = (doc.get('acknowledged', true) as { items?: Array<{ range?: [number, number, number] }> } | undefined)?.items ?? []
  return (value as { acknowledged: Entry[] }).acknowledged.map((e, i) => {
    const at = items[i]?.range?.[0]
    return {
      rule: e.rule,
      ...(e.change ? { change: e.change.replace('->', '→') as Change } : {}),
      ...(e.target ? { target: e.target } : {}),
      ...(e.digest ? { digest: e.digest } : {}),
      reason: e.reason,
      location: at === undefined ? file : `${file}:${lines.linePos(at).line}`,
    }
  })
}

export interface AcknowledgementIndex {
  /** The entries that acknowledge this relaxation (empty when it is not acknowledged). */
  match(flip: Flip, target: string, digest: string): Acknowledgement[]
  /** Entries that matched nothing so far: stale once the whole corpus has been seen. */
  unused(): Acknowledgement[]
}

export function indexAcknowledgements(entries: readonly Acknowledgement[]): AcknowledgementIndex {
  const compiled = entries.map((e) => ({ e, rule: compileGlob(e.rule), target: e.target === undefined ? undefined : compileGlob(e.target) }))
  const used = new Set<Acknowledgement>()
  return {
    match(flip, target, digest) {
      if (!flip.relaxation) return []
      const fits = compiled.filter((c) =>
        (c.e.change === undefined || c.e.change === flip.change) &&
        (c.target === undefined || c.target.test(target)) &&
        (c.e.digest === undefined || c.e.digest === digest))
      // Each rule behind the flip needs an entry: acknowledging one rule says nothing about another.
      const covering = flip.rules.map((rule) => fits.filter((c) => c.rule.test(rule)))
      if (!flip.rules.length || covering.some((c) => c.length === 0)) return []
      const found = [...new Set(covering.flat().map((c) => c.e))]
      for (const e of found) used.add(e)
      return found
    },
    unused: () => entries.filter((e) => !used.has(e)),
  }
}
