// Since PostgreSQL 16 the grammar writes `json_object(…)` (the legacy call) and the type `json` as
// pg_catalog.json_object and pg_catalog.json; PostgreSQL 15 looks both names up on the search_path like any
// other, where a function of that name with a closer signature (public.json_object(text) for json_object('a'))
// or a temporary type is found first. The trees are given back the unqualified names the text holds, so they are
// judged as names the search_path resolves.
import { eachEntry, isObject, names } from './ast.ts'

const QUALIFIED = /json/i

/** Whether `bytes` at byte offset `at` spells `word` (ASCII, any case). */
function spells(bytes: Buffer, at: unknown, word: string): boolean {
  return typeof at === 'number' && bytes.subarray(at, at + word.length).toString('latin1').toLowerCase() === word
}

function isCatalogName(parts: unknown, name: string): parts is unknown[] {
  return Array.isArray(parts) && parts.length === 2 && names(parts).join('.') === `pg_catalog.${name}`
}

/** Drops the pg_catalog the grammar (not the text) put before json_object and json in the trees of `text`. */
export function unqualifyGrammarNames(text: string, trees: readonly unknown[]): void {
  if (!QUALIFIED.test(text)) return
  const bytes = Buffer.from(text)
  eachEntry(trees, (key, value) => {
    if (!isObject(value)) return
    if (key === 'FuncCall' && isCatalogName(value.funcname, 'json_object') && spells(bytes, value.location, 'json_object')) value.funcname.shift()
    if ((key === 'typeName' || key === 'TypeName') && isCatalogName(value.names, 'json') && spells(bytes, value.location, 'json')) value.names.shift()
  })
}
