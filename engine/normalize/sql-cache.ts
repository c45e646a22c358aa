// Reuses the normalized form of a SQL text while it is provably what normalizing again would give. The
// normalizer is a deterministic function of the text, the target's kind and name, and what it reads from its
// context: `prepared` (EXECUTE), `catalog.relation(schema, name, lookup)` (stars, views, lineage) and
// `catalog.functionSchema(name)` (built-in names shadowed). So an entry keeps
// the reads it made: an entry whose normalization read `prepared` is never kept (it depends on the session's
// prepared statements), and an entry is used only with the same catalog object, after asking that catalog
// every question the normalization asked and getting the very same answers (relations are immutable objects,
// replaced when reloaded). Asking again also lets a recording catalog (the gateway's miss tracking) see every
// name the statement depends on, exactly as a full normalization would.
// Texts that differ only in integer literal values share one entry where that is provably the same
// normalization (sql-template.ts).
// Entries are frozen: one shared object must not be changed by any judgement.
import { deepFreeze } from '../deep-freeze.ts'
import type { Target } from '../types.ts'
import type { Normalized, RawRequest } from './index.ts'
import { KeyedLru } from '../keyed-lru.ts'
import type { CatalogRelation, RelationLookup, SchemaCatalog, SqlContext } from './sql/index.ts'
import { instantiate, integerLiterals, LiteralWatch, templateKey } from './sql-template.ts'

type SqlRequest = Extract<RawRequest, { kind: 'sql' }>

type Read =
  | { schema: string | null; name: string; lookup: RelationLookup | undefined; found: CatalogRelation | undefined }
  | { function: string; schema: string | undefined }

interface Entry {
  normalized: Normalized
  catalog: SchemaCatalog | undefined
  reads: Read[]
  /** For a template: where the statement's text sits in every text of it. */
  at?: { start: number; end: number }
}

export interface SqlNormalizeCacheOptions {
  maxEntries?: number
  /** Bound on the summed length of the texts kept (a normalized form grows with its text). */
  maxChars?: number
  /** Longer texts are normalized every time. */
  maxTextLength?: number
}

const MAX_ENTRIES = 2048
const MAX_CHARS = 1024 * 1024
const MAX_TEXT_LENGTH = 8 * 1024

export class SqlNormalizeCache {
  private readonly entries: KeyedLru<Entry>
  private readonly maxTextLength: number
  /** Each normalized form made from a template, to the template's own (sharing its schema check). */
  private readonly instances = new WeakMap<Normalized, Normalized>()
  hits = 0
  templateHits = 0
  misses = 0

  constructor(opts: SqlNormalizeCacheOptions = {}) {
    this.entries = new KeyedLru(opts.maxEntries ?? MAX_ENTRIES, opts.maxChars ?? MAX_CHARS)
    this.maxTextLength = opts.maxTextLength ?? MAX_TEXT_LENGTH
  }

  /** `compute` normalizes the request it is given (a recording view of this one); its result may be reused. */
  normalize(request: SqlRequest, target: Target, compute: (request: SqlRequest) => Normalized): Normalized {
    if (request.text.length > this.maxTextLength) return compute(request)
    // Texts and template keys (sql-template.ts) live in two namespaces: the character after the prefix says
    // which, so no text, whatever it holds, can be read as a template key or the other way round.
    const prefix = `${target.kind}\u0000${target.name}\u0000`
    const key = `${prefix}\u0000${request.text}`
    const entry = this.use(key, request.catalog)
    if (entry) {
      this.hits++
      return entry.normalized
    }
    const literals = target.kind === 'postgres' ? integerLiterals(request.text) : undefined
    const shapeKey = literals && `${prefix}\u0001${templateKey(request.text, literals)}`
    const template = shapeKey === undefined ? undefined : this.use(shapeKey, request.catalog)
    if (template) {
      this.templateHits++
      const normalized = instantiate(template.normalized, request.text, template.at!)
      this.instances.set(normalized, template.normalized)
      return normalized
    }
    this.misses++
    const reads: Read[] = []
    let readPrepared = false
    const { catalog } = request
    const watch = literals && new LiteralWatch(request.text, literals)
    const recording: SqlRequest & SqlContext = {
      kind: 'sql',
      text: request.text,
      get prepared() {
        readPrepared = true
        return request.prepared
      },
      catalog: catalog && {
        relation(schema, name, lookup) {
          const found = catalog.relation(schema, name, lookup)
          reads.push({ schema, name, lookup, found })
          return found
        },
        ...(catalog.functionSchema && {
          functionSchema(name: string) {
            const schema = catalog.functionSchema!(name)
            reads.push({ function: name, schema })
            return schema
          },
        }),
      },
      ...(watch ? { watch } : {}),
    }
    const normalized = compute(recording)
    if (readPrepared) return normalized
    deepFreeze(normalized)
    this.entries.set(key, { normalized, catalog, reads })
    const at = watch?.reusable(normalized)
    if (at && shapeKey) this.entries.set(shapeKey, { normalized, catalog, reads, at })
    return normalized
  }

  /** For a normalized form made from a template, the template's own form; else the form itself. */
  basisOf(normalized: Normalized): Normalized {
    return this.instances.get(normalized) ?? normalized
  }

  /** The entry under `key` if it still holds; a stale one is dropped. */
  private use(key: string, catalog: SchemaCatalog | undefined): Entry | undefined {
    const entry = this.entries.get(key)
    if (!entry || this.holds(entry, catalog)) return entry
    this.entries.delete(key)
    return undefined
  }

  get size(): number {
    return this.entries.size
  }

  /** Every catalog question of the entry, asked again, gets the same answer. */
  private holds(entry: Entry, catalog: SchemaCatalog | undefined): boolean {
    if (entry.catalog !== catalog) return false
    let same = true
    // All of them are asked, even after a difference: the caller's catalog records what the text depends on.
    for (const r of entry.reads) {
      if ('function' in r ? catalog!.functionSchema?.(r.function) !== r.schema : catalog!.relation(r.schema, r.name, r.lookup) !== r.found) same = false
    }
    return same
  }
}
