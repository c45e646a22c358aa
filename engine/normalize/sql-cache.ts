// Reuses the normalized form of a SQL text while it is provably what normalizing again would give. The
// normalizer is a deterministic function of the text, the target's kind and name, and what it reads from its
// context: `prepared` (EXECUTE) and `catalog.relation(schema, name)` (stars, views, lineage). So an entry keeps
// the reads it made: an entry whose normalization read `prepared` is never kept (it depends on the session's
// prepared statements), and an entry is used only with the same catalog object, after asking that catalog
// every question the normalization asked and getting the very same answers (relations are immutable objects,
// replaced when reloaded). Asking again also lets a recording catalog (the gateway's miss tracking) see every
// name the statement depends on, exactly as a full normalization would.
// Entries are frozen: one shared object must not be changed by any judgement.
import { deepFreeze } from '../deep-freeze.ts'
import type { Target } from '../types.ts'
import type { Normalized, RawRequest } from './index.ts'
import type { CatalogRelation, SchemaCatalog } from './sql/index.ts'

type SqlRequest = Extract<RawRequest, { kind: 'sql' }>

interface Read {
  schema: string | null
  name: string
  found: CatalogRelation | undefined
}

interface Entry {
  normalized: Normalized
  catalog: SchemaCatalog | undefined
  reads: Read[]
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
  private readonly entries = new Map<string, Entry>()
  private readonly maxEntries: number
  private readonly maxTextLength: number
  private readonly maxChars: number
  private chars = 0
  hits = 0
  misses = 0

  constructor(opts: SqlNormalizeCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES
    this.maxTextLength = opts.maxTextLength ?? MAX_TEXT_LENGTH
    this.maxChars = opts.maxChars ?? MAX_CHARS
  }

  /** `compute` normalizes the request it is given (a recording view of this one); its result may be reused. */
  normalize(request: SqlRequest, target: Target, compute: (request: SqlRequest) => Normalized): Normalized {
    if (request.text.length > this.maxTextLength) return compute(request)
    const key = `${target.kind}\u0000${target.name}\u0000${request.text}`
    const entry = this.entries.get(key)
    if (entry && this.holds(entry, request.catalog)) {
      this.hits++
      // Most recently used last: eviction takes the Map's first entry.
      this.entries.delete(key)
      this.entries.set(key, entry)
      return entry.normalized
    }
    this.misses++
    const reads: Read[] = []
    let readPrepared = false
    const { catalog } = request
    const recording: SqlRequest = {
      kind: 'sql',
      text: request.text,
      get prepared() {
        readPrepared = true
        return request.prepared
      },
      catalog: catalog && {
        relation(schema, name) {
          const found = catalog.relation(schema, name)
          reads.push({ schema, name, found })
          return found
        },
      },
    }
    const normalized = compute(recording)
    if (entry) this.evict(key)
    if (readPrepared) return normalized
    while (this.entries.size && (this.entries.size >= this.maxEntries || this.chars + key.length > this.maxChars)) this.evict(this.entries.keys().next().value!)
    this.entries.set(key, { normalized: deepFreeze(normalized), catalog, reads })
    this.chars += key.length
    return normalized
  }

  private evict(key: string): void {
    this.entries.delete(key)
    this.chars -= key.length
  }

  get size(): number {
    return this.entries.size
  }

  /** Every catalog question of the entry, asked again, gets the same answer. */
  private holds(entry: Entry, catalog: SchemaCatalog | undefined): boolean {
    if (entry.catalog !== catalog) return false
    let same = true
    // All of them are asked, even after a difference: the caller's catalog records what the text depends on.
    for (const r of entry.reads) if (catalog!.relation(r.schema, r.name) !== r.found) same = false
    return same
  }
}
