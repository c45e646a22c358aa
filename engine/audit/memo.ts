// A bounded memo for pure string → string functions on the audit path. Statements and the strings around them
// repeat (one statement shape, the same reasons, target and protocol names), and redaction is deterministic,
// so a hit returns exactly what the function would have computed. Least recently used entries go first.

export class StringMemo {
  private readonly entries = new Map<string, string>()

  /** `maxEntries` bounds memory; keys longer than `maxKeyLength` are never stored (computed every time). */
  constructor(private readonly maxEntries: number, private readonly maxKeyLength: number) {}

  get(key: string, compute: (key: string) => string): string {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      // Re-inserting moves the entry to the back of the Map's order: the front is the least recently used.
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit
    }
    const value = compute(key)
    if (key.length <= this.maxKeyLength) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(key, value)
    }
    return value
  }

  get size(): number {
    return this.entries.size
  }

  clear(): void {
    this.entries.clear()
  }
}
