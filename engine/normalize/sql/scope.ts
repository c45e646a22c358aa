// Name resolution for one query level: which CTE names are visible, and which FROM items a column
// qualifier can name. Levels chain outward, as PostgreSQL resolves correlated references.

interface FromItem {
  /** Names the item can be referenced by: its alias, or its relation name (and schema.name). */
  names: string[]
  /** Table full_name, or null for subqueries, CTE references and functions. */
  table: string | null
}

export class Scope {
  readonly parent: Scope | undefined
  private readonly ctes = new Set<string>()
  private readonly items: FromItem[] = []
  /** Names that resolve to a table without counting as a FROM item (ON CONFLICT's `excluded`). */
  private readonly extra = new Map<string, string>()

  constructor(parent?: Scope) {
    this.parent = parent
  }

  addCte(name: string): void {
    this.ctes.add(name)
  }

  isCte(name: string): boolean {
    return this.ctes.has(name) || (this.parent?.isCte(name) ?? false)
  }

  addItem(names: string[], table: string | null): void {
    this.items.push({ names, table })
  }

  addAlias(name: string, table: string): void {
    this.extra.set(name, table)
  }

  /** The table a qualifier (alias, relation name or schema.name) names, searching outward; null if unknown. */
  resolve(qualifier: string): string | null {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const item = scope.items.find((i) => i.names.includes(qualifier))
      if (item) return item.table
      const extra = scope.extra.get(qualifier)
      if (extra !== undefined) return extra
    }
    return null
  }

  /** Whether some level names `qualifier`. */
  knows(qualifier: string): boolean {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (scope.items.some((i) => i.names.includes(qualifier)) || scope.extra.has(qualifier)) return true
    }
    return false
  }

  /** For an unqualified column: the table of the innermost level with FROM items, when it has exactly one. */
  soleTable(): string | null {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (scope.items.length > 0) return scope.items.length === 1 ? (scope.items[0]?.table ?? null) : null
    }
    return null
  }
}
