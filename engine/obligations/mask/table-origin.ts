// Masks the cells of a Kubernetes Table by where they come from. A cell carries no field path: a custom
// resource's printer column named "Connection" over .spec.password prints the password under a harmless name,
// and a column over .spec.credentials prints the whole object as JSON. Each row, asked for with its object
// (`includeObject=Object`), is compared with that object as the JSON masker left it: a cell whose text holds a
// value the masking took out of the object came from a masked field, and is masked whole. A row whose object is
// missing (a PartialObjectMetadata, null) gives no origin, so every cell of it with content is masked.
// A cell equal to a value the masked object still shows is no secret: the object read as JSON shows it too
// (a Secret's name holding the account name a masked annotation holds).
import { isExactNumber } from './json-numbers.ts'
import { REDACTED } from './strategy.ts'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/** A masked value at least this long is looked for inside cells; a shorter one only as a whole cell or JSON leaf
 *  (a one-letter secret would mask every cell holding that letter). A printer column gives a scalar whole and an
 *  object or list as JSON, both read here without a substring search. */
export const MIN_CONTAINED = 4

/** Whether a Table row's object is a whole object (not a PartialObjectMetadata or nothing). */
export function isWholeObject(object: unknown): object is Json {
  if (!isObject(object)) return false
  return !(object.kind === 'PartialObjectMetadata' && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('meta.k8s.io/'))
}

interface Origin {
  /** Values the masking took out (scalars as text, tokens of partly masked strings). */
  hidden: Set<string>
  /** The numbers among them, as numbers: a printer column of type string prints one as Go formats it. */
  numbers: Set<number>
  /** Scalar values the masked object still shows. */
  shown: Set<string>
}

// Tokens of a partly masked string: a detector masks a span of it (`password=…` inside a message).
const TOKENS = /[^\s=:,;"'`()[\]{}<>|&]+/g

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || isExactNumber(v) ? String(v) : undefined
}

/** Every scalar under `node`, as text (keys too: a map keyed by a secret holds it in its keys); numbers also in `numbers`. */
function allLeaves(node: unknown, out: Set<string>, numbers?: Set<number>, depth = 0): void {
  if (typeof node === 'number' || isExactNumber(node)) numbers?.add(Number(String(node)))
  const text = scalarText(node)
  if (text !== undefined) return void (text !== '' && out.add(text))
  if (node === null || typeof node !== 'object' || depth > 512) return
  for (const [k, child] of Object.entries(node)) {
    if (!Array.isArray(node)) out.add(k)
    allLeaves(child, out, numbers, depth + 1)
  }
}

// A number as text, in the forms Go's fmt and JavaScript write one (1.2345675e+06, 12345678901234567, -0.5).
const NUMBER_TEXT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * Whether `cell` is a number the masking hid, written otherwise than JavaScript writes it. A printer column of type
 * string prints a number as Go's fmt does (1234567.5 as 1.2345675e+06), and an integer past 2^53 exactly, where
 * JSON.parse rounded the object's copy (12345678901234567 read as 12345678901234568): compared as numbers.
 */
function hiddenNumber(cell: string, origin: Origin): boolean {
  return origin.numbers.size > 0 && NUMBER_TEXT.test(cell) && origin.numbers.has(Number(cell))
}

/** Compares the object as sent with the object as masked, key by key; what is missing or changed is hidden. */
function compare(sent: unknown, masked: unknown, origin: Origin, depth: number): void {
  const text = scalarText(sent)
  if (text !== undefined) {
    if (scalarText(masked) === text) return void origin.shown.add(text)
    if (text === '') return
    origin.hidden.add(text)
    // A number kept as its text (json-numbers.ts: 1234567.50, past 2^53) too, as the number it is.
    if (typeof sent === 'number' || isExactNumber(sent)) origin.numbers.add(Number(String(sent)))
    // Partly masked (some of its tokens left): the tokens the masked text no longer has. A text masked whole keeps
    // none, and its tokens are no secret alone: kubectl's last-applied copy, masked whole, holds the object's name.
    if (typeof masked === 'string') {
      const kept = new Set(masked.match(TOKENS) ?? [])
      const tokens = text.match(TOKENS) ?? []
      if (tokens.some((t) => kept.has(t))) for (const token of tokens) if (!kept.has(token)) origin.hidden.add(token)
    }
    return
  }
  if (sent === null || typeof sent !== 'object') return
  if (masked === null || typeof masked !== 'object' || Array.isArray(sent) !== Array.isArray(masked) || depth > 512) {
    allLeaves(sent, origin.hidden, origin.numbers)
    return
  }
  for (const [k, child] of Object.entries(sent)) {
    // A key the detectors renamed or dropped: the key and all under it are hidden.
    if (!Object.hasOwn(masked, k)) {
      if (!Array.isArray(sent)) origin.hidden.add(k)
      allLeaves(child, origin.hidden, origin.numbers)
      continue
    }
    compare(child, (masked as Json)[k], origin, depth + 1)
  }
}

/** The scalars (and keys) of a cell that is a JSON object or list, as a printer column over one gives it. */
function jsonLeaves(text: string): Set<string> | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined
  try {
    const out = new Set<string>()
    allLeaves(JSON.parse(text), out)
    return out
  } catch {
    return undefined
  }
}

function fromHidden(cell: string, origin: Origin): boolean {
  if (origin.hidden.has(cell)) return true
  if (origin.shown.has(cell)) return false
  if (hiddenNumber(cell, origin)) return true
  const leaves = jsonLeaves(cell)
  for (const value of origin.hidden) {
    if (value.length >= MIN_CONTAINED && cell.includes(value)) return true
    if (leaves?.has(value)) return true
    if (leaves && value.length >= MIN_CONTAINED) for (const leaf of leaves) if (leaf.includes(value)) return true
  }
  return false
}

/**
 * Masks, in `masked` (the masker's copy of `sent`, changed in place), every cell that comes from a value the
 * masking hid in its row's object, and every cell with content of a row without its object. Returns how many.
 */
export function maskTableCells(sent: Json, masked: Json): number {
  const rows = sent.rows
  const out = masked.rows
  if (!Array.isArray(rows) || !Array.isArray(out)) return 0
  let count = 0
  rows.forEach((row, i) => {
    const target = out[i]
    if (!isObject(row) || !isObject(target) || !Array.isArray(target.cells)) return
    const whole = isWholeObject(row.object) && isWholeObject(target.object)
    const origin: Origin = { hidden: new Set(), numbers: new Set(), shown: new Set() }
    if (whole) compare(row.object, target.object, origin, 0)
    // Each cell as the masker left it: what the detectors masked in it (a message's `password=…`) is masked as in
    // the object, and only what is left is looked for.
    const cells = target.cells as unknown[]
    cells.forEach((cell, j) => {
      const text = scalarText(cell) ?? (cell !== null && typeof cell === 'object' ? JSON.stringify(cell) : undefined)
      if (text === undefined || text === '' || cell === REDACTED) return
      if (whole && !fromHidden(text, origin)) return
      cells[j] = REDACTED
      count++
    })
  })
  return count
}
