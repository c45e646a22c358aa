import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { packageRoot } from '../cli/policy.ts'
import { defaultConfig } from './config/defaults.ts'
import { deepFreeze } from './deep-freeze.ts'
import { parseFixtures } from './fixtures/load.ts'
import { fixtureInput } from './fixtures/run.ts'
import { InputCheck } from './input-check.ts'
import { loadSqlParsers, type Normalized } from './normalize/index.ts'
import { validator } from './schema/validate.ts'
import type { InputDocument } from './types.ts'

await loadSqlParsers()
const config = defaultConfig()
const whole = validator<InputDocument>('input')
const fixtureDir = join(packageRoot, 'testdata', 'policies')
const docs = readdirSync(fixtureDir).filter((f) => f.endsWith('.yaml')).sort()
  .flatMap((f) => parseFixtures(readFileSync(join(fixtureDir, f), 'utf8'), f))
  .map((fixture) => fixtureInput(fixture, config))

/** Ways a document's context can be wrong (a bug elsewhere); each must be reported exactly as before. */
const breakages: Array<(d: Record<string, unknown>) => void> = [
  (d) => { (d.identity as Record<string, unknown>).groups = 'agents' },
  (d) => { delete (d.identity as Record<string, unknown>).sub },
  (d) => { (d.session as Record<string, unknown>).grants = [{ id: 'g' }] },
  (d) => { (d.session as Record<string, unknown>).started_at = 'yesterday' },
  (d) => { (d.target as Record<string, unknown>).kind = 'ftp' },
  (d) => { d.extra = true },
  (d) => { delete d.session },
]

test('with the normalized part remembered as valid, every document gets exactly the issues of the whole schema', () => {
  const check = new InputCheck()
  let remembered = 0
  for (const doc of docs) {
    const normalized = deepFreeze({ command: structuredClone(doc.command), risk: structuredClone(doc.risk) }) as Normalized
    const first = { ...doc, command: normalized.command, risk: normalized.risk }
    assert.equal(check.issues(first, normalized), whole.issues(first))
    if (whole.issues(first).length) continue
    remembered++
    for (const breakIt of breakages) {
      const broken = structuredClone({ identity: doc.identity, session: doc.session, target: doc.target }) as Record<string, unknown>
      breakIt(broken)
      const input = { ...broken, command: normalized.command, risk: normalized.risk } as unknown as InputDocument
      const want = whole.issues(input)
      assert.ok(want.length > 0)
      assert.equal(check.issues(input, normalized), want)
    }
  }
  assert.ok(remembered >= 150, `${remembered} valid fixture documents`)
})

test('a normalized part that is not frozen, or that had issues, is checked whole every time', () => {
  const check = new InputCheck()
  const doc = docs.find((d) => d.command.protocol === 'postgres')!
  const open = { command: structuredClone(doc.command), risk: structuredClone(doc.risk) } as Normalized
  const input = { ...doc, command: open.command, risk: open.risk }
  assert.equal(check.issues(input, open), [])
  ;(open.risk as unknown as Record<string, unknown>).level = 'catastrophic'
  assert.equal(check.issues(input, open), whole.issues(input))
  assert.ok(check.issues(input, open).length > 0, 'changed after the first check: caught')
  const bad = deepFreeze({ command: { ...structuredClone(doc.command), protocol: 'gopher' }, risk: structuredClone(doc.risk) }) as unknown as Normalized
  const badInput = { ...doc, command: bad.command, risk: bad.risk }
  for (let i = 0; i < 2; i++) assert.equal(check.issues(badInput, bad), whole.issues(badInput))
})


test('frozen context parts checked once are not checked again, yet every breakage is still reported exactly', () => {
  const check = new InputCheck()
  for (const doc of docs.slice(0, 40)) {
    const normalized = deepFreeze({ command: structuredClone(doc.command), risk: structuredClone(doc.risk) }) as Normalized
    const parts = deepFreeze(structuredClone({ identity: doc.identity, session: doc.session, target: doc.target }))
    const input = { identity: parts.identity, session: parts.session, target: parts.target, command: normalized.command, risk: normalized.risk } as InputDocument
    const want = whole.issues(input)
    assert.equal(check.issues(input, normalized), want)
    assert.equal(check.issues(input, normalized), want, 'the same frozen parts again')
    if (want.length) continue
    // The same remembered parts in a root that is not the five parts: the root is checked.
    const extra = { ...input, extra: true } as unknown as InputDocument
    assert.equal(check.issues(extra, normalized), whole.issues(extra))
    assert.ok(whole.issues(extra).length > 0)
    for (const breakIt of breakages.slice(0, 5)) {
      const broken = structuredClone({ identity: doc.identity, session: doc.session, target: doc.target }) as Record<string, unknown>
      breakIt(broken)
      const frozen = deepFreeze(broken) as unknown as InputDocument
      const next = { identity: frozen.identity, session: frozen.session, target: frozen.target, command: normalized.command, risk: normalized.risk } as InputDocument
      assert.equal(check.issues(next, normalized), whole.issues(next))
      assert.ok(whole.issues(next).length > 0)
    }
  }
})

test.run()
