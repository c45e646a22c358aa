// Server-sent events masked event by event, not line by line: a client joins the data lines of one event into
// one payload (with a newline between them), so a private key or a JSON document split over several data lines
// reached it whole while each line alone held nothing a detector finds. The lines of an event are held until it
// ends (an empty line), and its data is masked as the client will read it, then written back as data lines.
// Other fields (comments, event, id, retry) are masked as text where they stand.
// @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
import { failed } from './mask-decoded.ts'

export interface SseMaskers {
  /** The joined data of one event, masked; `dataOnly`: the event has no field but data. */
  data(payload: string, dataOnly: boolean): string | Promise<string>
  /** A field other than data, masked as text; throws for a line that is no SSE field. */
  field(line: string): string
}

export interface SseEvents {
  /** The lines to send for one line read: none while an event is open, the whole event when it ends. */
  line(line: string): string[] | Promise<string[]>
  /** The lines of an event the stream ended in (a client drops it, but it is masked all the same). */
  end(): string[] | Promise<string[]>
}

const DATA = /^data:( ?)(.*)$/s
/** A line without the carriage return of its CRLF ending. */
const bare = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line)

export function sseEvents(maskers: SseMaskers, maxBytes: number): SseEvents {
  let held: string[] = []
  let size = 0
  const finish = (blank: string | undefined): string[] | Promise<string[]> => {
    const lines = held
    held = []
    size = 0
    const data: string[] = []
    let space = ' '
    let crlf = false
    for (const line of lines) {
      const m = DATA.exec(bare(line))
      if (!m) continue
      if (data.length === 0) space = m[1]!
      crlf ||= line.endsWith('\r')
      data.push(m[2]!)
    }
    const write = (masked: string | undefined): string[] => {
      const out: string[] = []
      let wrote = false
      for (const line of lines) {
        if (!DATA.test(bare(line))) out.push(maskers.field(line))
        else if (!wrote && masked !== undefined) {
          wrote = true
          for (const part of masked.split(/\r\n|\r|\n/)) out.push(`data:${space}${part}${crlf ? '\r' : ''}`)
        }
      }
      if (blank !== undefined) out.push(blank)
      return out
    }
    if (data.length === 0) return write(undefined)
    const masked = maskers.data(data.join('\n'), data.length === lines.length)
    return typeof masked === 'string' ? write(masked) : masked.then(write)
  }
  const line = (text: string): string[] | Promise<string[]> => {
    // A carriage return alone ends a line too (one at the end is read with the newline after it).
    const parts = text.split(/\r(?!$)/)
    if (parts.length > 1) return inOrder(parts, line)
    if (text === '' || text === '\r') return finish(text)
    size += text.length
    if (size > maxBytes) throw failed(`one event is larger than ${maxBytes} bytes`)
    held.push(text)
    return []
  }
  return { line, end: () => (held.length ? finish(undefined) : []) }
}

/** The lines `step` makes of each item, in order, waiting only where a step must. */
export function inOrder(items: readonly string[], step: (item: string) => string[] | Promise<string[]>): string[] | Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < items.length; i++) {
    const lines = step(items[i]!)
    if (lines instanceof Promise) {
      return lines.then(async (first) => {
        out.push(...first)
        for (const item of items.slice(i + 1)) out.push(...(await step(item)))
        return out
      })
    }
    out.push(...lines)
  }
  return out
}
