// PREPARE name (type, …) declares the types of its parameters: EXECUTE casts each value to its type, and a type
// outside pg_catalog (a domain) runs its own code on the value (a CHECK may call any function, one that writes or
// reads a secret). EXECUTE is judged by the prepared statement's text, which shows none of it, so such a PREPARE is
// refused, as a Parse declaring such a type is (proxy/postgres/extended.ts); a cast written in the text is judged.
import { bodyOf, eachEntry, list } from './ast.ts'
import { userType } from './builtin-types.ts'

/** Why the trees are refused: a PREPARE declares a parameter of a type outside pg_catalog; undefined when none does. */
export function userParameterType(trees: readonly unknown[]): string | undefined {
  let found: { position: number; type: string } | undefined
  eachEntry(trees, (key, value) => {
    if (key !== 'PrepareStmt') return false
    const types = list(bodyOf(value, 'PrepareStmt')?.argtypes)
    const position = types.findIndex((t) => userType(t) !== undefined)
    if (position >= 0) found = { position: position + 1, type: userType(types[position])! }
    return found !== undefined
  })
  if (found === undefined) return undefined
  return `PREPARE declares parameter $${found.position} of type ${found.type}, a type outside pg_catalog: EXECUTE would run its code ` +
    `(a domain's CHECK) on each value, which the prepared statement's text does not show; leave the parameter's type out and ` +
    `write the cast in the statement, e.g. $${found.position}::${found.type}`
}
