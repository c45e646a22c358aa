// Decides, once per result shape, which result columns get masked and how. Column rules match the source
// column when the parser knows it (so `SELECT email AS e` is still masked) and the result column name;
// detectors then scan every column not already masked as a whole, computed or not.
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { failClosed } from '../errors.ts'
import type { DetectorName } from './detectors/index.ts'
import { type ColumnRule, compileRules } from './rules.ts'
import { strongest } from './strategy.ts'
import type { DetectorStrategies } from './text-spans.ts'

export interface ResultColumn {
  name: string
  /** The table column this result column reads directly; absent for a computed column. */
  source?: { table: string; column: string }
}

export interface ColumnMask {
  index: number
  /** Whole-value mask from a column rule. */
  strategy?: MaskStrategy
  /** Detectors to run over the value when there is no whole-value mask. */
  detectors: DetectorName[]
  /** Strategy per detector for the spans it finds; missing ⇒ redact. */
  detectorStrategies: DetectorStrategies
}

export interface MaskPlan {
  /** Only the columns that need masking, by result index. */
  columns: ColumnMask[]
  active: boolean
}

function names(column: ResultColumn, qualified: boolean): string[] {
  if (!qualified) return column.source ? [column.source.column, column.name] : [column.name]
  if (!column.source) return []
  const { table, column: name } = column.source
  const bare = table.slice(table.lastIndexOf('.') + 1)
  return [`${table}.${name}`, `${bare}.${name}`]
}

function columnStrategy(rules: readonly ColumnRule[], column: ResultColumn): MaskStrategy | undefined {
  const hits = rules.filter((rule) => names(column, rule.qualified).some((n) => rule.pattern.test(n)))
  return strongest(hits.map((rule) => rule.strategy))
}

export function planMask(obligations: MaskObligation[], columns: ResultColumn[]): MaskPlan {
  return failClosed('plan result masking', () => {
    const rules = compileRules(obligations)
    const masks: ColumnMask[] = []
    columns.forEach((column, index) => {
      const strategy = columnStrategy(rules.columns, column)
      if (strategy) masks.push({ index, strategy, detectors: [], detectorStrategies: {} })
      else if (rules.detectors.length > 0) {
        masks.push({ index, detectors: [...rules.detectors], detectorStrategies: { ...rules.detectorStrategies } })
      }
    })
    return { columns: masks, active: masks.length > 0 }
  })
}
