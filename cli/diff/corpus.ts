// The recorded input documents `warden diff` replays:
//   fixtures  every fixture file (`cases:`, schemas/fixtures.schema.json) under testdata/ and the policy source,
//             built into input documents as `warden test` builds them; SQL corpora (YAML lists of entries with
//             `sql`, like testdata/corpora) are judged as an agent (sub cursor, group agents) on the config's
//             first production postgres target;
//   audit     the judged statements and requests of the audit trail (its decision log, from the store or a
//             gateway's admin API), rebuilt from what it keeps (redacted: see engine/diff/audit-input.ts);
//   FILE      input documents as JSON (one, or an array) or JSON lines; an OPA decision-log entry counts as its `input`.
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { AuditReader } from '../../engine/audit/reader.ts'
import type { Config } from '../../engine/config/types.ts'
import { inputFromRecord } from '../../engine/diff/audit-input.ts'
import { type RecordFilter, recordedRequest, recordOrigin } from '../../engine/diff/audit-record.ts'
import type { FlipExample } from '../../engine/diff/group.ts'
import { parseFixtures } from '../../engine/fixtures/load.ts'
import { fixtureInput } from '../../engine/fixtures/run.ts'
import type { Effect, InputDocument } from '../../engine/types.ts'
import { requireVerified } from '../audit-source.ts'
import { UsageError } from '../io.ts'

export interface CorpusEntry {
  input: InputDocument
  example: Omit<FlipExample, 'digest'>
  /** The decision the gateway enforced when the input was recorded (audit corpus only). */
  recorded?: Effect
}

/** One corpus as it is read: entries, and entries that could not be turned into an input (counted by reason). */
export interface CorpusReader {
  name: string
  entries(): AsyncIterable<CorpusEntry>
  skipped: Map<string, number>
}

const skip = (skipped: Map<string, number>, why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1)

async function yamlFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return []
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => join(e.parentPath, e.name)).sort()
}

/** 1-based line of each item of the top-level list `key` (or of the document itself when it is a list). */
function itemLines(text: string, key?: string): number[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines })
  const list = (key ? doc.get(key, true) : doc.contents) as { items?: Array<{ range?: [number, number, number] }> } | undefined
  return (list?.items ?? []).map((item) => (item.range ? lines.linePos(item.range[0]).line : 0))
}

function firstProductionPostgres(config: Config): string | undefined {
  const production = /^prod(uction)?$/i
  return (config.targets.find((t) => t.kind === 'postgres' && production.test(t.environment)) ?? config.targets.find((t) => t.kind === 'postgres'))?.name
}

export function fixtureCorpus(config: Config, cwd: string): CorpusReader {
  const skipped = new Map<string, number>()
  const dirs = [...new Set([join(cwd, 'testdata'), ...(config.policy.source ? [config.policy.source] : [])])]
  async function* entries(): AsyncIterable<CorpusEntry> {
    for (const file of [...new Set((await Promise.all(dirs.map(yamlFiles))).flat())]) {
      const name = relative(cwd, file) || file
      const text = await readFile(file, 'utf8')
      let value: unknown
      try {
        value = parseDocument(text).toJS()
      } catch {
        continue
      }
      if (value && typeof value === 'object' && !Array.isArray(value) && 'cases' in value) {
        const lines = itemLines(text, 'cases')
        for (const c of parseFixtures(text, name)) {
          const where = { origin: `${name} case ${c.index}`, file: name, ...(lines[c.index - 1] ? { line: lines[c.index - 1] } : {}) }
          let input: InputDocument
          try {
            input = fixtureInput(c, config)
          } catch (err) {
            skip(skipped, `${(err as Error).message}`)
            continue
          }
          yield { input, example: { command: input.command?.raw || c.note, identity: input.identity?.sub, ...where } }
        }
      } else if (Array.isArray(value) && value.length && value.every((e) => e && typeof e === 'object' && typeof (e as { sql?: unknown }).sql === 'string')) {
        const target = firstProductionPostgres(config)
        if (!target) {
          skip(skipped, `${name}: the config has no postgres target to judge SQL corpora on`)
          continue
        }
        const lines = itemLines(text)
        for (const [i, e] of (value as Array<{ sql: string; why?: string; prepared?: Record<string, string> }>).entries()) {
          const input = fixtureInput({ note: e.why ?? e.sql, identity: { sub: 'cursor', groups: ['agents'] }, target, sql: e.sql, prepared: e.prepared, want: { effect: 'deny' }, file: name, index: i + 1 }, config)
          yield { input, example: { command: e.sql, identity: 'cursor', origin: `${name} entry ${i + 1}`, file: name, ...(lines[i] ? { line: lines[i] } : {}) } }
        }
      }
    }
  }
  return { name: 'fixtures', entries, skipped }
}

export function auditCorpus(config: Config, open: () => Promise<AuditReader>, filter: RecordFilter): CorpusReader {
  const skipped = new Map<string, number>()
  const targets = new Map(config.targets.map((t) => [t.name, t]))
  async function* entries(): AsyncIterable<CorpusEntry> {
    const reader = await open()
    // The events do not repeat when their session started: its first decision stands in for it.
    const sessionStart = new Map<string, string>()
    try {
      // Only a trail that verifies is replayed: records edited or deleted to hide what a policy change flips would
      // otherwise make the diff report no change.
      await requireVerified(reader, 'replayed (diff without it: --corpus fixtures)')
      for await (const entry of reader.decisionLog()) {
        const r = recordedRequest(entry)
        if (!r) continue
        if (r.session_id && !sessionStart.has(r.session_id)) sessionStart.set(r.session_id, r.time)
        if ((filter.since !== undefined && r.time < filter.since) || (filter.target !== undefined && r.target !== filter.target)) continue
        const rebuilt = inputFromRecord(r, targets, r.session_id ? sessionStart.get(r.session_id) : undefined)
        if (!rebuilt.input) {
          skip(skipped, rebuilt.skip)
          continue
        }
        yield { input: rebuilt.input, example: { command: r.command, identity: r.identity?.sub, origin: recordOrigin(r) }, recorded: r.decision }
      }
    } finally {
      await reader.close()
    }
  }
  return { name: 'audit', entries, skipped }
}

function asInput(value: unknown, at: string): InputDocument {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    // opa-wasm evaluates a falsy input as no input at all: refuse anything that is not a document up front.
    throw new UsageError('usage.corpus', `${at}: an entry must be an input document (a JSON object), got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`)
  }
  const doc = value as Record<string, unknown>
  // An OPA decision-log entry (`warden audit export`, OPA's own logs) carries the document under `input`.
  if (!('command' in doc) && doc.input && typeof doc.input === 'object' && !Array.isArray(doc.input)) return doc.input as InputDocument
  return doc as unknown as InputDocument
}

export function fileCorpus(path: string, cwd: string): CorpusReader {
  const name = relative(cwd, path) || path
  async function* entries(): AsyncIterable<CorpusEntry> {
    const text = await readFile(path, 'utf8').catch((err: Error) => {
      throw new UsageError('usage.corpus', `read --corpus ${name}: ${err.message}; give audit, fixtures, or a JSON / JSON-lines file of input documents`, { cause: err })
    })
    const entry = (input: InputDocument, line?: number) => ({
      input,
      example: { command: typeof input.command?.raw === 'string' && input.command.raw ? input.command.raw : '(no command.raw)', identity: input.identity?.sub, origin: line ? `${name}:${line}` : name, file: name, ...(line ? { line } : {}) },
    })
    const trimmed = text.trimStart()
    if (trimmed.startsWith('[') || (!/\.jsonl$|\.ndjson$/.test(path) && !trimmed.includes('\n{'))) {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (err) {
        throw new UsageError('usage.corpus', `${name} is not JSON: ${(err as Error).message}`, { cause: err })
      }
      const list = Array.isArray(value) ? value : [value]
      for (const [i, v] of list.entries()) yield entry(asInput(v, `${name} entry ${i + 1}`))
      return
    }
    for (const [i, line] of text.split('\n').entries()) {
      if (!line.trim()) continue
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch (err) {
        throw new UsageError('usage.corpus', `${name}:${i + 1} is not JSON: ${(err as Error).message}`, { cause: err })
      }
      yield entry(asInput(value, `${name}:${i + 1}`), i + 1)
    }
  }
  return { name, entries, skipped: new Map() }
}
