// A bounded store for caches keyed by strings (the normalize caches, the JSON masker's detector memo and the
// HTTP gateway's maskers): least recently used first out, bounded by the number of entries and by the summed
// length of their keys (where a key holds the request, it measures what an entry keeps).
export class KeyedLru<V> {
  private readonly entries = new Map<string, V>()
  private chars = 0

  /** onEvict: told of each entry set() pushes out to stay within bounds (not of delete()). */
  constructor(private readonly maxEntries: number, private readonly maxChars = Infinity, private readonly onEvict?: (key: string, value: V) => void) {}

  /** The value under `key`, now the most recently used (a Map keeps insertion order: the first is the oldest). */
  get(key: string): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  /** The value under `key`, leaving its place in the order as it is (a look that is no use). */
  peek(key: string): V | undefined {
    return this.entries.get(key)
  }

  set(key: string, value: V): void {
    this.delete(key)
    while (this.entries.size && (this.entries.size >= this.maxEntries || this.chars + key.length > this.maxChars)) {
      const [oldest, value] = this.entries.entries().next().value!
      this.delete(oldest)
      this.onEvict?.(oldest, value)
    }
    this.entries.set(key, value)
    this.chars += key.length
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.chars -= key.length
  }

  get size(): number {
    return this.entries.size
  }
}
