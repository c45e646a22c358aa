// Reads a decision's mask obligations into compiled rules, rejecting anything malformed: a rule Warden
// cannot apply must stop the response, not be skipped.
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { MaskError } from '../errors.ts'
import { type DetectorName, resolveDetectors } from './detectors/index.ts'
import { compileGlob } from './glob.ts'
import { isMaskStrategy, strongest } from './strategy.ts'
import type { DetectorStrategies } from './text-spans.ts'

export interface ColumnRule {
  pattern: RegExp
  /** The pattern names a table too (`users.email`). */
  qualified: boolean
  /** The column part of a qualified pattern (after its last dot); the whole pattern otherwise. */
  columnPattern: RegExp
  strategy: MaskStrategy
}

export interface PathRule {
  segments: RegExp[]
  strategy: MaskStrategy
}

export interface MaskRules {
  columns: ColumnRule[]
  paths: PathRule[]
  detectors: DetectorName[]
  detectorStrategies: DetectorStrategies
}

const describe = (o: MaskObligation) => `mask obligation ${JSON.stringify(o)}${o.rule ? ` from rule ${o.rule}` : ''}`

export function parsePath(path: string): RegExp[] {
  const trimmed = path.startsWith('$.') ? path.slice(2) : path
  return trimmed.split('.').map((segment) => {
    if (segment === '') throw new MaskError(`mask path ${JSON.stringify(path)} has an empty segment; write a.b.*`)
    return compileGlob(segment)
  })
}

export function compileRules(obligations: readonly MaskObligation[]): MaskRules {
  const rules: MaskRules = { columns: [], paths: [], detectors: [], detectorStrategies: {} }
  const detectors = new Set<DetectorName>()
  for (const o of obligations) {
    const strategy = o.strategy ?? 'redact'
    if (!isMaskStrategy(strategy)) throw new MaskError(`${describe(o)} has an unknown strategy; use redact, partial, hash or null`)
    const targets = [o.column, o.detector, o.path, o.source].filter((v) => v !== undefined)
    if (targets.length !== 1) throw new MaskError(`${describe(o)} must name exactly one of column, detector, path or source`)
    // Values by origin are looked up and hidden by the frontend, which hands the maskers the other obligations
    // (sources.ts splitSources): one that gets here was not looked up, so this answer cannot be masked as asked.
    if (o.source !== undefined) throw new MaskError(`${describe(o)} masks the values of a source, which this frontend does not look up for this request; it cannot be applied here`)
    if (typeof o.column === 'string' && o.column !== '') {
      const pattern = compileGlob(o.column)
      const qualified = o.column.includes('.')
      const columnPattern = qualified ? compileGlob(o.column.slice(o.column.lastIndexOf('.') + 1)) : pattern
      rules.columns.push({ pattern, qualified, columnPattern, strategy })
    } else if (typeof o.path === 'string' && o.path !== '') {
      rules.paths.push({ segments: parsePath(o.path), strategy })
    } else if (typeof o.detector === 'string') {
      const names = resolveDetectors(o.detector)
      if (!names) throw new MaskError(`${describe(o)} names an unknown detector; use one of the documented detectors or all`)
      for (const name of names) {
        detectors.add(name)
        const existing = rules.detectorStrategies[name]
        rules.detectorStrategies[name] = existing ? strongest([strategy, existing]) : strategy
      }
    } else {
      throw new MaskError(`${describe(o)} has an empty or non-string target`)
    }
  }
  rules.detectors = [...detectors]
  return rules
}
