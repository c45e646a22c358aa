// Server-sent events, incrementally: text in (any chunking), whole events out; and events back to text. Only
// what the gateway must read is interpreted (event, data, id, retry); comment lines (keep-alives) are kept so
// they can be passed on. An event larger than the bound is an error, never a silent cut.
// @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
import { McpError } from './errors.ts'

export interface SseEvent {
  /** The `event:` field; absent means "message". */
  event?: string
  /** The `data:` lines joined with "\n". */
  data: string
  id?: string
  retry?: string
  /** Comment lines (without the leading ":"), in order, that came with this event. */
  comments?: string[]
}

/** Longest event held in memory. */
export const MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024

export interface SseParser {
  /** Feeds text; returns the events it completed. */
  push(text: string): SseEvent[]
  /** The end of the stream: an event with no closing blank line is dispatched (lenient, as browsers are not). */
  end(): SseEvent[]
}

export function createSseParser(maxEventBytes = MAX_SSE_EVENT_BYTES): SseParser {
  // The start of a line not yet ended, as it came (joined once its end arrives). Only new text is searched for a
  // line's end: a long line arriving in many chunks was scanned again from its start on every chunk (a 6 MB line
  // in 16 KB chunks held the socket thread 19 s).
  let partial: string[] = []
  let partialLength = 0
  let current: { event?: string; data: string[]; id?: string; retry?: string; comments: string[] } = { data: [], comments: [] }
  let size = 0
  let started = false
  // A lone "\r" at the end of a chunk may be the first half of "\r\n".
  let pendingCr = false

  function dispatch(out: SseEvent[]) {
    if (started) {
      const e: SseEvent = { data: current.data.join('\n') }
      if (current.event !== undefined) e.event = current.event
      if (current.id !== undefined) e.id = current.id
      if (current.retry !== undefined) e.retry = current.retry
      if (current.comments.length) e.comments = current.comments
      out.push(e)
    }
    current = { data: [], comments: [] }
    size = 0
    started = false
  }

  function line(text: string, out: SseEvent[]) {
    if (text === '') return dispatch(out)
    size += text.length
    if (size > maxEventBytes) throw new McpError('mcp.sse_malformed', `an event of the server's stream is larger than ${maxEventBytes} bytes`)
    started = true
    if (text.startsWith(':')) {
      current.comments.push(text.slice(1))
      return
    }
    const colon = text.indexOf(':')
    const field = colon < 0 ? text : text.slice(0, colon)
    let value = colon < 0 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') current.data.push(value)
    else if (field === 'event') current.event = value
    else if (field === 'id') current.id = value
    else if (field === 'retry') current.retry = value
    // Other fields are ignored, as the standard says.
  }

  function push(text: string): SseEvent[] {
    const out: SseEvent[] = []
    if (pendingCr && text.startsWith('\n')) text = text.slice(1)
    pendingCr = false
    if (!/[\r\n]/.test(text)) {
      partial.push(text)
      partialLength += text.length
      // One line longer than an event may be: the stream is not one the gateway can follow.
      if (partialLength > maxEventBytes + 1024) throw new McpError('mcp.sse_malformed', `a line of the server's stream is longer than ${maxEventBytes} bytes`)
      return out
    }
    const buffer = partial.join('') + text
    let start = 0
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i]
      if (c !== '\n' && c !== '\r') continue
      line(buffer.slice(start, i), out)
      if (c === '\r') {
        if (i + 1 === buffer.length) pendingCr = true
        else if (buffer[i + 1] === '\n') i++
      }
      start = i + 1
    }
    const rest = buffer.slice(start)
    partial = rest === '' ? [] : [rest]
    partialLength = rest.length
    return out
  }

  function end(): SseEvent[] {
    const out: SseEvent[] = []
    const rest = partial.join('')
    if (rest !== '') line(rest, out)
    partial = []
    partialLength = 0
    dispatch(out)
    return out
  }

  return { push, end }
}

/** One event as text, ending with the blank line that dispatches it. */
export function formatSseEvent(e: SseEvent): string {
  let text = ''
  for (const c of e.comments ?? []) text += `:${c}\n`
  if (e.event !== undefined) text += `event: ${e.event}\n`
  if (e.id !== undefined) text += `id: ${e.id}\n`
  if (e.retry !== undefined) text += `retry: ${e.retry}\n`
  // An event that is only comments (a keep-alive) has no data line.
  if (e.data !== '' || (e.comments ?? []).length === 0) for (const part of e.data.split(/\r\n|\r|\n/)) text += `data: ${part}\n`
  return `${text}\n`
}
