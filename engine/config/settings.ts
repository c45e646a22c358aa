// policy.settings: keys of your own are free (your rules read them as data.settings), so the schema cannot close
// the object. But a key a letter or two from one Warden's policies read is a typo, and a silent one: the policies
// keep the default, or match nothing (`production_enviroments: [live]` left a `live` target outside production,
// its writes allowed and its columns unmasked). Such a key, and such a class under verdicts, is refused.
import configSchema from '../../schemas/config.schema.json' with { type: 'json' }
import { closest } from '../schema/suggest.ts'
import { type ConfigIssue, issue } from './errors.ts'

const SETTINGS = Object.keys(configSchema.properties.policy.properties.settings.properties)

/** The classes of findings in policies/warden/catalog/defaults/data.json `verdicts` (settings.test.ts keeps them equal). */
export const VERDICT_CLASSES = ['change', 'sensitive', 'destructive', 'privilege', 'agent_forbidden', 'dangerous', 'critical', 'mask_output', 'invalid']

function nearMiss(key: string, known: readonly string[], at: Array<string | number>, what: string): ConfigIssue[] {
  if (known.includes(key)) return []
  const meant = closest(key, known)
  return meant ? [issue([...at, key], `unknown ${what} ${JSON.stringify(key)}, a misspelling of ${JSON.stringify(meant)}? The policies would not read it and keep the default; rename it (or give a key of your own a name further from Warden's)`)] : []
}

export function settingsIssues(settings: Record<string, unknown>): ConfigIssue[] {
  const at = ['policy', 'settings']
  const out = Object.keys(settings).flatMap((key) => nearMiss(key, SETTINGS, at, 'setting'))
  const verdicts = settings.verdicts
  if (verdicts && typeof verdicts === 'object') out.push(...Object.keys(verdicts).flatMap((key) => nearMiss(key, VERDICT_CLASSES, [...at, 'verdicts'], 'verdict class')))
  return out
}
