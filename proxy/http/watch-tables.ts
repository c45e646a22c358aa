// A watch of Kubernetes tables (`?watch=1`, `Accept: application/json;as=Table;…`) sends the column definitions
// with its first event only: later events' rows hold bare cells. The JSON masker reads a cell under its column's
// name (a custom resource's printer column on .spec.password), so the columns a stream has sent are put into each
// later event while it is masked, and taken out again after: the client gets the events as the apiserver sent them
// (their numbers as written: json-numbers.ts).

import { parseJsonText, writeJsonText } from '../../engine/obligations/mask/json-numbers.ts'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The Table a watch event carries, if it carries one. */
function tableOf(event: unknown): Json | undefined {
  const object = isObject(event) ? event.object : undefined
  return isObject(object) && object.kind === 'Table' && Array.isArray(object.rows) ? object : undefined
}

export interface CarriedEvent {
  /** The event to mask: with the stream's columns when it came without them. */
  text: string
  /** The masked event as the client gets it (the columns put in taken out again). */
  restore(masked: string): string
}

/** One per stream: remembers the last columns it saw and lends them to the events that come without. */
export function tableColumnCarrier(): (line: string) => CarriedEvent {
  let columns: unknown[] | undefined
  const same = (line: string): CarriedEvent => ({ text: line, restore: (masked) => masked })
  return (line) => {
    // Most events are no table: not parsed here.
    if (!line.includes('"Table"')) return same(line)
    let event: unknown
    let exact: boolean
    try {
      ;({ doc: event, exact } = parseJsonText(line))
    } catch {
      // Not JSON: the masker refuses it.
      return same(line)
    }
    const table = tableOf(event)
    if (!table) return same(line)
    const own = table.columnDefinitions
    if (Array.isArray(own) && own.length > 0) {
      columns = own
      return same(line)
    }
    if (!columns) return same(line)
    const had = Object.hasOwn(table, 'columnDefinitions')
    table.columnDefinitions = columns
    return {
      text: writeJsonText(event, exact),
      restore(masked) {
        const { doc: out, exact: kept } = parseJsonText(masked)
        const t = tableOf(out)
        if (t) {
          if (had) t.columnDefinitions = own
          else delete t.columnDefinitions
        }
        return writeJsonText(out, kept)
      },
    }
  }
}
