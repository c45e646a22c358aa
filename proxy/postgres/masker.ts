// Result masking: a plan per (statement outputs, RowDescription) shape — which columns, which strategy or
// detectors, from the statement's column lineage checked against what the server says (result-columns.ts) —
// then every DataRow rewritten before it is forwarded. Any failure throws; the caller ends the statement with an
// error.
import { type ColumnMask, MAX_MASKED_CHARS, maskText, planMask, REDACTED } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation, SqlOutput } from '../../engine/types.ts'
import { type Encoding, maskBinaryValue, maskTextValue, maskWholeValue, type MaskedValue } from './binary-values.ts'
import type { Catalog } from './catalog.ts'
import { DocumentMasks } from './document-values.ts'
import { MaskingError, messageOf } from './masking-error.ts'
import { decodeDataRow, encodeDataRow } from './messages/data-row.ts'
import type { FieldDescription } from './messages/row-description.ts'
import { resultColumns } from './result-columns.ts'

export { MaskingError } from './masking-error.ts'

export interface ResultMask {
  fields: FieldDescription[]
  /** The mask for each column index, or undefined when the column is left alone. */
  byIndex: (ColumnMask | undefined)[]
  /** Where column rules apply: JSON documents in columns not masked whole are masked by their keys (document-values.ts). */
  documents?: DocumentMasks
}

function buildPlan(fields: FieldDescription[], obligations: MaskObligation[], outputs: SqlOutput[] | undefined, catalog: Pick<Catalog, 'column' | 'relation'>, loaded?: ReadonlySet<number>): ResultMask | undefined {
  try {
    const r = resultColumns(fields, outputs, catalog, true, loaded)
    if (!('columns' in r)) throw new MaskingError('result columns unresolved after loading the catalog')
    const plan = planMask(obligations, r.columns)
    const documents = DocumentMasks.of(obligations)
    const byIndex: (ColumnMask | undefined)[] = fields.map(() => undefined)
    for (const c of plan.columns) {
      if (c.index < 0 || c.index >= fields.length) throw new MaskingError(`mask plan names column ${c.index} of ${fields.length}`)
      byIndex[c.index] = c
    }
    if (documents) {
      fields.forEach((f, index) => {
        const c = r.columns[index]
        if (DocumentMasks.keyless(f.typeOid) && !byIndex[index]?.strategy && c && c.lineage !== 'plain' && !c.safe && c.sources.length > 0) {
          byIndex[index] = { index, strategy: 'redact', derived: true, detectors: [], detectorStrategies: {} }
        } else if (!byIndex[index] && DocumentMasks.holds(f.typeOid)) {
          byIndex[index] = { index, detectors: [], detectorStrategies: {} }
        }
      })
    }
    if (!byIndex.some((c) => c !== undefined)) return undefined
    return documents ? { fields, byIndex, documents } : { fields, byIndex }
  } catch (err) {
    if (err instanceof MaskingError) throw err
    throw new MaskingError(`plan masks: ${messageOf(err)}`, { cause: err })
  }
}

const PLAN_CACHE_SIZE = 512

// A judgement's obligations and outputs arrays are reused by every execution of a prepared statement (and every
// reuse of a cached judgement): each is serialized once, by identity. Nothing mutates them after the decision is
// made. Keys are the content, not the identity: a plan is a function of the content (buildPlan reads nothing
// else), and statements that differ only in literals (every simple-protocol query of an application) bring
// equal outputs in new arrays, so they share one plan.
const obligationKeys = new WeakMap<MaskObligation[], string>()
const outputKeys = new WeakMap<SqlOutput[], string>()

function obligationsKey(obligations: MaskObligation[]): string {
  let key = obligationKeys.get(obligations)
  if (key === undefined) {
    key = JSON.stringify(obligations)
    obligationKeys.set(obligations, key)
  }
  return key
}

function outputsKey(outputs: SqlOutput[] | undefined): string {
  if (!outputs) return '-'
  let key = outputKeys.get(outputs)
  if (key === undefined) {
    key = JSON.stringify(outputs)
    outputKeys.set(outputs, key)
  }
  return key
}

/**
 * Plans results for one target. The same statement gives the same result columns, so plans are cached by
 * obligations, outputs, fields and catalog version; with the relations already cached the answer is synchronous
 * (no await on the relay's hot path).
 */
export class ResultPlanner {
  private readonly plans = new Map<string, ResultMask | null>()
  /** Result shapes that already had the catalog reloaded for them, with the OIDs loaded (result-columns.ts). */
  private readonly reloaded = new Map<string, ReadonlySet<number>>()

  constructor(readonly catalog: Catalog) {}

  plan(fields: FieldDescription[], obligations: MaskObligation[], outputs: SqlOutput[] | undefined): ResultMask | undefined | Promise<ResultMask | undefined> {
    const key = this.key(fields, obligations, outputs)
    const hit = this.plans.get(key)
    if (hit !== undefined) return hit === null ? undefined : { ...hit, fields }
    let first
    try {
      first = resultColumns(fields, outputs, this.catalog, false)
    } catch (err) {
      throw err instanceof MaskingError ? err : new MaskingError(`match result columns: ${messageOf(err)}`, { cause: err })
    }
    // A result shape reloads the catalog once: if it still disagrees afterwards (say, a normalizer that names a
    // column otherwise than the server) it is planned from both, and cannot turn every result into a catalog query.
    // Keyed by content: the same statement judged again brings equal outputs in new arrays.
    const shape = 'load' in first ? this.shape(fields, obligations, outputs) : ''
    if ('load' in first && !this.reloaded.has(shape)) {
      if (this.reloaded.size >= PLAN_CACHE_SIZE) this.reloaded.delete(this.reloaded.keys().next().value!)
      const loaded = new Set(first.load)
      this.reloaded.set(shape, loaded)
      return this.catalog.loadOids(first.load).then(
        () => this.remember(this.key(fields, obligations, outputs), buildPlan(fields, obligations, outputs, this.catalog, loaded)),
        (err: unknown) => {
          throw new MaskingError(`look up result columns: ${messageOf(err)}`, { cause: err })
        },
      )
    }
    // A shape that had views loaded for it keeps them unfollowed, whatever is cached now.
    const loaded = this.reloaded.size ? this.reloaded.get(shape || this.shape(fields, obligations, outputs)) : undefined
    return this.remember(key, buildPlan(fields, obligations, outputs, this.catalog, loaded))
  }

  private shape(fields: FieldDescription[], obligations: MaskObligation[], outputs: SqlOutput[] | undefined): string {
    // JSON has no raw newline: the newlines separate the parts unambiguously.
    const columns = JSON.stringify(fields.map((f) => [f.name, f.tableOid, f.attnum, f.typeOid, f.format]))
    return `${obligationsKey(obligations)}\n${outputsKey(outputs)}\n${columns}`
  }

  private key(fields: FieldDescription[], obligations: MaskObligation[], outputs: SqlOutput[] | undefined): string {
    return `${this.catalog.version}\n${this.shape(fields, obligations, outputs)}`
  }

  private remember(key: string, plan: ResultMask | undefined): ResultMask | undefined {
    if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value!)
    this.plans.set(key, plan ?? null)
    return plan
  }

  /** Fills the catalog cache ahead of the first result (bounded wait; failures leave lookups on demand). */
  warm(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs)
      this.catalog.warm().then(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Called when DDL may have changed what columns are called. */
  invalidate(): void {
    this.plans.clear()
    this.catalog.invalidate()
  }
}

const NOTHING = Buffer.alloc(0)

/**
 * Bytes of one row that detectors may scan: past it, values that would need scanning are redacted whole, so a
 * row of many large values costs no more than a few large values (bounded work per message).
 */
export const MAX_ROW_SCAN_BYTES = 2 * MAX_MASKED_CHARS

function maskValue(value: Buffer, field: FieldDescription, column: ColumnMask, key: Uint8Array, encoding: Encoding, budget: { left: number }, documents: DocumentMasks | undefined): MaskedValue {
  // Bounded work per value and per row: a value too large to scan, or past the row's scan budget, is replaced
  // whole without being decoded (text.ts).
  const scans = !column.strategy
  if (scans) budget.left -= value.length
  if (value.length > MAX_MASKED_CHARS || (scans && budget.left < 0)) {
    const replacement = column.strategy === 'null' ? null : REDACTED
    return maskWholeValue(NOTHING, field.typeOid, field.format, encoding, () => ({ value: replacement, masked: true }))
  }
  const detect = (text: string) => maskText(text, column, key)
  if (documents && !column.strategy && DocumentMasks.isArray(field.typeOid)) return documents.maskArray(value, field.typeOid, field.format, key, encoding, detect)
  const mask = documents && !column.strategy && DocumentMasks.holds(field.typeOid) ? (text: string) => documents.mask(text, key, detect) : detect
  if (column.strategy) return maskWholeValue(value, field.typeOid, field.format, encoding, mask)
  return field.format === 1 ? maskBinaryValue(value, field.typeOid, column, encoding, mask) : maskTextValue(value, encoding, mask)
}

/**
 * The DataRow frame with every planned column masked, and how many values changed. When nothing changed the
 * frame is undefined: the received frame goes out as it came (no re-encoding, no copy).
 */
export function maskDataRow(payload: Buffer, plan: ResultMask, key: Uint8Array, encoding: Encoding): { frame: Buffer | undefined; masked: number } {
  try {
    const values = decodeDataRow(payload)
    if (values.length !== plan.fields.length) throw new MaskingError(`row has ${values.length} values for ${plan.fields.length} columns`)
    let masked = 0
    const budget = { left: MAX_ROW_SCAN_BYTES }
    for (let i = 0; i < values.length; i++) {
      const column = plan.byIndex[i]
      const value = values[i]
      if (!column || value === null || value === undefined) continue
      const r = maskValue(value, plan.fields[i]!, column, key, encoding, budget, plan.documents)
      if (r.masked) {
        values[i] = r.value
        masked++
      }
    }
    return { frame: masked > 0 ? encodeDataRow(values) : undefined, masked }
  } catch (err) {
    if (err instanceof MaskingError) throw err
    throw new MaskingError(`mask row: ${messageOf(err)}`, { cause: err })
  }
}
