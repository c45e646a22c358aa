// The relay's masker for one session: result plans from the target's shared planner, rows masked with the
// gateway's key, and server texts (errors, notices, notifications) screened for the statement they arrive during
// (message-screen.ts), or, outside statements, for the masks of the session's statements so far.
import { type ColumnRule, compileRules, type JsonMasker, jsonMasker, ruleMatches } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import type { Frame } from './framing.ts'
import { maskDataRow, type ResultPlanner } from './masker.ts'
import { type Detection, type NotificationScreen, screenNotice, screenNotification } from './message-screen.ts'
import type { StatementRun } from './pending.ts'
import type { ResultMasker } from './relay.ts'
import { maskedReferences } from './result-statement.ts'

function detectionOf(masks: MaskObligation[], key: Uint8Array): Detection | undefined {
  const rules = compileRules(masks)
  return rules.detectors.length ? { detectors: rules.detectors, strategies: rules.detectorStrategies, key } : undefined
}

function runScreen(run: StatementRun, planner: ResultPlanner, key: Uint8Array): NonNullable<StatementRun['screen']> {
  if (run.screen) return run.screen
  let screen: NonNullable<StatementRun['screen']>
  try {
    const rules = compileRules(run.masks)
    const relation = (schema: string | null, name: string) => planner.catalog.relation(schema, name)
    const masked = maskedReferences(run.verdict.judgement, rules.columns, relation, run.cursor, (name) => planner.catalog.isBuiltinFunction(name))
    screen = { masked, detection: rules.detectors.length ? { detectors: rules.detectors, strategies: rules.detectorStrategies, key } : undefined }
  } catch {
    // Obligations that cannot be read cannot say what is safe to show: withhold the texts.
    screen = { masked: ['(the mask obligations could not be read)'] }
  }
  run.screen = screen
  return screen
}

/**
 * The masked columns of the table a server text names, by `masks`' column rules; a table the catalog does not know,
 * or rules that cannot be read, count as masked.
 */
function tableColumns(masks: MaskObligation[], planner: ResultPlanner): (schema: string | null, table: string) => string[] {
  let rules: readonly ColumnRule[] | undefined
  try {
    rules = compileRules(masks).columns
  } catch {
    rules = undefined
  }
  return (schema, table) => {
    if (!rules) return ['(the mask obligations could not be read)']
    if (rules.length === 0) return []
    const r = planner.catalog.relation(schema, table)
    if (!r) return [`${table}.* (columns not known)`]
    return r.columns.filter((column) => rules.some((rule) => ruleMatches(rule, { table: `${r.schema}.${r.name}`, column })))
  }
}

/** A JSON masker for notification payloads where `masks` have column rules (message-screen.ts); undefined otherwise. */
function payloadMaskerOf(masks: MaskObligation[], key: Uint8Array): JsonMasker | undefined {
  return compileRules(masks).columns.length ? jsonMasker(masks, key) : undefined
}

export function createMasker(planner: ResultPlanner, key: Uint8Array): ResultMasker {
  // Whether column rules apply to the last masks asked about (a run's, or the session's).
  let columnsKey: MaskObligation[] | undefined
  let columns = false
  const columnMasking = (masks: MaskObligation[]) => {
    if (masks !== columnsKey) {
      columnsKey = masks
      columns = masks.some((m) => m.column !== undefined)
    }
    return columns
  }
  let sessionKey: MaskObligation[] | undefined
  let sessionDetection: Detection | undefined
  const session = (masks: MaskObligation[]) => {
    if (masks !== sessionKey) {
      sessionKey = masks
      // The detectors only: a column rule the masker cannot apply fails its own statement, not every later text.
      sessionDetection = detectionOf(masks.filter((m) => m.detector !== undefined), key)
    }
    return sessionDetection
  }
  // The last masks the table lookup of server texts was made for, and that lookup.
  let tablesKey: MaskObligation[] | undefined
  let tables: ((schema: string | null, table: string) => string[]) | undefined
  // The last masks a payload masker was compiled for (a run's, or the session's), and that masker.
  let payloadKey: MaskObligation[] | undefined
  let payloadMasker: JsonMasker | undefined | 'unreadable'
  const notification = (run: StatementRun | undefined, sessionMasks: MaskObligation[]): NotificationScreen => {
    const masks = run?.masks.length ? run.masks : sessionMasks
    if (masks !== payloadKey) {
      payloadKey = masks
      try {
        payloadMasker = payloadMaskerOf(masks, key)
      } catch {
        payloadMasker = 'unreadable'
      }
    }
    // Obligations that cannot be read cannot say what is safe to show: every payload is withheld.
    if (payloadMasker === 'unreadable') return { withhold: true, json: jsonMasker([], key) }
    const screen = run?.masks.length ? runScreen(run, planner, key) : undefined
    return { detection: screen?.detection ?? session(sessionMasks), json: payloadMasker, withhold: (screen?.masked.length ?? 0) > 0 }
  }
  return {
    plan: (fields, obligations, outputs) => planner.plan(fields, obligations, outputs),
    row: (payload, plan, encoding) => maskDataRow(payload, plan, key, encoding),
    maskedColumns: (run) => (run.masks.length ? runScreen(run, planner, key).masked : []),
    screen(f: Frame, run: StatementRun | undefined, sessionMasks: MaskObligation[], held: ReadonlySet<string> = new Set()) {
      if (f.type === 'A') return screenNotification(f.payload, notification(run, sessionMasks))
      const kind = f.type === 'E' ? 'E' : 'N'
      const s = run?.masks.length ? runScreen(run, planner, key) : undefined
      // A held cursor's query or a write's deferred checks may be running now (at commit): their masked columns count here too.
      const own = s?.masked ?? []
      const masks = run?.masks.length ? run.masks : sessionMasks
      if (masks !== tablesKey) {
        tablesKey = masks
        tables = tableColumns(masks, planner)
      }
      const masked = { columns: [...new Set([...own, ...held])], inTransaction: own.length === 0, ofTable: tables }
      return screenNotice(kind, f.payload, masked, s?.detection ?? session(sessionMasks), columnMasking(masks))
    },
  }
}
