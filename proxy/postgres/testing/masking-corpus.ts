// Loads testdata/corpora/sql-masking-leaks.yaml: a YAML list of {sql, family, note?}, queries an agent sends to
// read masked values back. Each entry is named by its family, its position and its note (or SQL).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { packageRoot } from './paths.ts'

export interface MaskingEntry {
  sql: string
  family: string
  note?: string
  /** `family #n: note or SQL`, unique within the corpus. */
  name: string
}

/** Families whose entries return no masked value even on the server directly (see the corpus header). */
export const NOT_DIRECT_LEAKS = new Set(['explain', 'one-way', 'inference'])

export const MASKING_CORPUS = join(packageRoot, 'testdata', 'corpora', 'sql-masking-leaks.yaml')

export function parseMaskingCorpus(text: string, file: string): MaskingEntry[] {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length) throw new Error(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  const value: unknown = doc.toJS()
  if (!Array.isArray(value)) throw new Error(`${file}: the corpus must be a YAML list of {sql, family, note?}`)
  const counts = new Map<string, number>()
  return value.map((v, i) => {
    const { sql, family, note, ...rest } = (v ?? {}) as Record<string, unknown>
    const at = `${file} entry ${i + 1}`
    if (Object.keys(rest).length) throw new Error(`${at}: unknown keys ${Object.keys(rest).join(', ')}; an entry has sql, family and note`)
    if (typeof sql !== 'string' || !sql.trim()) throw new Error(`${at}: sql must be a non-empty string`)
    if (typeof family !== 'string' || !/^[a-z][a-z-]*$/.test(family)) throw new Error(`${at}: family must be a lower-case word`)
    if (note !== undefined && typeof note !== 'string') throw new Error(`${at}: note must be a string`)
    const n = (counts.get(family) ?? 0) + 1
    counts.set(family, n)
    const label = note ?? sql.replace(/\s+/g, ' ')
    const name = `${family} #${n}: ${label.length > 90 ? `${label.slice(0, 90)}…` : label}`
    return note === undefined ? { sql, family, name } : { sql, family, note, name }
  })
}

export function loadMaskingCorpus(): MaskingEntry[] {
  return parseMaskingCorpus(readFileSync(MASKING_CORPUS, 'utf8'), 'sql-masking-leaks.yaml')
}
