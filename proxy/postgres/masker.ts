// Result masking: a plan per RowDescription (which columns, which strategy or detectors), then every DataRow
// rewritten before it is forwarded. Any failure throws; the caller ends the statement with an error.
import { type ColumnMask, maskText, planMask } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { type Encoding, maskBinaryValue, maskTextValue, type MaskedValue } from './binary-values.ts'
import type { Catalog, ColumnSource } from './catalog.ts'
import { decodeDataRow, encodeDataRow } from './messages/data-row.ts'
import type { FieldDescription } from './messages/row-description.ts'
import { CodedError } from '../../engine/errors.ts'

export interface ResultMask {
  fields: FieldDescription[]
  /** The mask for each column index, or undefined when the column is left alone. */
  byIndex: (ColumnMask | undefined)[]
}

export class MaskingError extends CodedError<'pg.masking_failed'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('pg.masking_failed', message, options)
  }
}

type Sources = (ColumnSource | undefined)[]

function buildPlan(fields: FieldDescription[], obligations: MaskObligation[], sources: Sources): ResultMask | undefined {
  try {
    const columns = fields.map((f, i) => {
      const s = sources[i]
      return s ? { name: f.name, source: { table: s.table, column: s.column } } : { name: f.name }
    })
    const plan = planMask(obligations, columns)
    if (!plan.active) return undefined
    const byIndex: (ColumnMask | undefined)[] = fields.map(() => undefined)
    for (const c of plan.columns) {
      if (c.index < 0 || c.index >= fields.length) throw new MaskingError(`mask plan names column ${c.index} of ${fields.length}`)
      byIndex[c.index] = c
    }
    return { fields, byIndex }
  } catch (err) {
    if (err instanceof MaskingError) throw err
    throw new MaskingError(`plan masks: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** The plan for one result; undefined when nothing in it is masked. */
export async function planResult(fields: FieldDescription[], obligations: MaskObligation[], catalog: Catalog): Promise<ResultMask | undefined> {
  let sources: Sources
  try {
    sources = await catalog.sources(fields)
  } catch (err) {
    throw new MaskingError(`look up result columns: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  return buildPlan(fields, obligations, sources)
}

const PLAN_CACHE_SIZE = 512

// A judgement's obligations array is reused by every execution of a prepared statement (and every reuse of a
// cached judgement): serialize it once. Nothing mutates obligations after the decision is made.
const obligationKeys = new WeakMap<MaskObligation[], string>()

function obligationsKey(obligations: MaskObligation[]): string {
  let key = obligationKeys.get(obligations)
  if (key === undefined) {
    key = JSON.stringify(obligations)
    obligationKeys.set(obligations, key)
  }
  return key
}

/**
 * Plans results for one target. The same statement shape gives the same result columns, so plans are cached by
 * obligations and columns; with the columns' sources already cached the answer is synchronous (no await on the
 * relay's hot path).
 */
export class ResultPlanner {
  private readonly plans = new Map<string, ResultMask | null>()

  constructor(private readonly catalog: Catalog) {}

  plan(fields: FieldDescription[], obligations: MaskObligation[]): ResultMask | undefined | Promise<ResultMask | undefined> {
    const sources = this.catalog.cachedSources(fields)
    if (!sources) return planResult(fields, obligations, this.catalog)
    // JSON has no raw newline: the first one separates the two parts unambiguously.
    const key = `${obligationsKey(obligations)}\n${JSON.stringify(fields.map((f, i) => [f.name, f.typeOid, f.format, sources[i]?.table, sources[i]?.column]))}`
    const hit = this.plans.get(key)
    if (hit !== undefined) return hit === null ? undefined : { fields, byIndex: hit.byIndex }
    const plan = buildPlan(fields, obligations, sources)
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

/**
 * The DataRow frame with every planned column masked, and how many values changed. When nothing changed the
 * frame is undefined: the received frame goes out as it came (no re-encoding, no copy).
 */
export function maskDataRow(payload: Buffer, plan: ResultMask, key: Uint8Array, encoding: Encoding): { frame: Buffer | undefined; masked: number } {
  try {
    const values = decodeDataRow(payload)
    if (values.length !== plan.fields.length) throw new MaskingError(`row has ${values.length} values for ${plan.fields.length} columns`)
    let masked = 0
    for (let i = 0; i < values.length; i++) {
      const column = plan.byIndex[i]
      const value = values[i]
      if (!column || value === null || value === undefined) continue
      const mask = (text: string) => maskText(text, column, key)
      const field = plan.fields[i]!
      const r: MaskedValue = field.format === 1
        ? maskBinaryValue(value, field.typeOid, column, encoding, mask)
        : maskTextValue(value, encoding, mask)
      if (r.masked) {
        values[i] = r.value
        masked++
      }
    }
    return { frame: masked > 0 ? encodeDataRow(values) : undefined, masked }
  } catch (err) {
    if (err instanceof MaskingError) throw err
    throw new MaskingError(`mask row: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
