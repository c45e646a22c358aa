// A store of entries that each belong to one caller, bounded per caller as well as in all: a caller's least
// recently used entries make room for its newer ones, so one caller filling the store forgets its own entries,
// never another's (with one bound for all, it pushed every other caller's out). Past the bound in all, which
// only many callers together reach, the least recently used entry goes, whoever holds it. Each bound counts
// entries and the summed length of their keys (ids and session ids are the server's, of any length).
export interface Owned<V> {
  owner: string
  value: V
}

export class OwnedLru<V> {
  // A Map iterates in insertion order: the first is the least recently used.
  private readonly entries = new Map<string, Owned<V>>()
  private readonly owners = new Map<string, { keys: Set<string>; chars: number }>()
  private chars = 0

  constructor(private readonly max: number, private readonly perOwner: number, private readonly charsPerEntry: number) {}

  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** The entry under `key`, now the most recently used (in all, and among its owner's). */
  get(key: string): Owned<V> | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    const owned = this.owners.get(entry.owner)!
    owned.keys.delete(key)
    owned.keys.add(key)
    return entry
  }

  set(key: string, owner: string, value: V): void {
    this.delete(key)
    let owned = this.owners.get(owner)
    while (owned?.keys.size && (owned.keys.size >= this.perOwner || owned.chars + key.length > this.perOwner * this.charsPerEntry)) {
      this.delete(owned.keys.values().next().value!)
      owned = this.owners.get(owner)
    }
    while (this.entries.size && (this.entries.size >= this.max || this.chars + key.length > this.max * this.charsPerEntry)) {
      this.delete(this.entries.keys().next().value!)
    }
    owned = this.owners.get(owner)
    if (!owned) this.owners.set(owner, (owned = { keys: new Set(), chars: 0 }))
    this.entries.set(key, { owner, value })
    this.chars += key.length
    owned.keys.add(key)
    owned.chars += key.length
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    this.chars -= key.length
    const owned = this.owners.get(entry.owner)!
    owned.keys.delete(key)
    owned.chars -= key.length
    if (owned.keys.size === 0) this.owners.delete(entry.owner)
  }
}
