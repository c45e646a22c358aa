// Decides, once per result shape, which result columns get masked and how, by where each value comes from
// (its lineage), never by what the column is called:
// - plain (exactly one base column's value): the column rules matching that base column, with their strategy
//   (`SELECT email AS e` is still partially masked);
// - derived (computed from base columns): redacted whole when any source matches a column rule, unless the
//   derivation is `safe` (count(x), x IS NULL …): a transform of a masked value (reverse, split_part,
//   encode, casts, aggregates …) may be reversible, so no part of it leaves;
// - unknown: with any column rule in force the plan fails closed (the policy should have denied the statement).
// Content detectors then scan every column not already masked whole, whatever its lineage.
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { failClosed, MaskError } from '../errors.ts'
import type { DetectorName } from './detectors/index.ts'
import { type ColumnRule, compileRules } from './rules.ts'
import { strongest } from './strategy.ts'
import type { DetectorStrategies } from './text-spans.ts'

/** A base column a value comes from; `table` null when the parser could not tell which relation. */
export interface SourceColumn {
  table: string | null
  column: string
}

export interface ResultColumn {
  name: string
  lineage: 'plain' | 'derived' | 'unknown'
  /** plain: the base column (more than one only when the server's own column origin adds one); derived: every base column it is computed from. */
  sources: SourceColumn[]
  /** A derivation that cannot reveal a value (count(x), x IS NULL). */
  safe?: boolean
  /** Why the lineage is unknown. */
  reason?: string
}

export interface ColumnMask {
  index: number
  /** Whole-value mask. */
  strategy?: MaskStrategy
  /** The whole value is masked because it is derived from a masked column (redacted whole, typed as the client expects). */
  derived?: boolean
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

const bareTable = (table: string) => table.slice(table.lastIndexOf('.') + 1)

/** Whether a rule covers a base column. A qualified rule (`users.email`) over a column whose table is unknown
 * matches on its column part alone: the value might come from that table. */
export function ruleMatches(rule: ColumnRule, source: SourceColumn): boolean {
  if (!rule.qualified) return rule.pattern.test(source.column)
  if (source.table === null) return rule.columnPattern.test(source.column)
  return rule.pattern.test(`${source.table}.${source.column}`) || rule.pattern.test(`${bareTable(source.table)}.${source.column}`)
}

/** Strategies of the rules covering any of the sources. */
export function matchingStrategies(rules: readonly ColumnRule[], sources: readonly SourceColumn[]): MaskStrategy[] {
  return rules.filter((rule) => sources.some((s) => ruleMatches(rule, s))).map((rule) => rule.strategy)
}

function wholeMask(rules: readonly ColumnRule[], column: ResultColumn): { strategy: MaskStrategy; derived: boolean } | undefined {
  if (rules.length === 0) return undefined
  const found = matchingStrategies(rules, column.sources)
  switch (column.lineage) {
    case 'plain': {
      const strategy = strongest(found)
      return strategy ? { strategy, derived: false } : undefined
    }
    case 'derived':
      if (column.safe || found.length === 0) return undefined
      // A rule asking for NULL keeps asking for it; anything weaker becomes a whole redaction.
      return { strategy: found.includes('null') ? 'null' : 'redact', derived: true }
    case 'unknown':
      throw new MaskError(
        `result column "${column.name}" has unknown lineage${column.reason ? ` (${column.reason})` : ''} while column masks apply; ` +
          'select the columns by name from known tables',
      )
    default:
      throw new MaskError(`result column "${column.name}" has an unrecognised lineage ${JSON.stringify(column.lineage)}`)
  }
}

export function planMask(obligations: MaskObligation[], columns: ResultColumn[]): MaskPlan {
  return failClosed('plan result masking', () => {
    const rules = compileRules(obligations)
    const masks: ColumnMask[] = []
    columns.forEach((column, index) => {
      const whole = wholeMask(rules.columns, column)
      if (whole) {
        masks.push({ index, strategy: whole.strategy, ...(whole.derived ? { derived: true } : {}), detectors: [], detectorStrategies: {} })
      } else if (rules.detectors.length > 0) {
        masks.push({ index, detectors: [...rules.detectors], detectorStrategies: { ...rules.detectorStrategies } })
      }
    })
    return { columns: masks, active: masks.length > 0 }
  })
}
