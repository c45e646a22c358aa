// Masks an upstream response body by the decision's mask obligations, with the engine's one JSON masker
// (engine/obligations/mask/json.ts, shared with PostgreSQL). JSON bodies get every rule; newline-delimited
// JSON (Kubernetes watch streams) is masked event by event as it streams; other text gets the content
// detectors. A body that must be masked but cannot be read (binary, corrupt, too large, not JSON where key
// or path rules apply) is replaced by a 502: the unmasked body never reaches the client.
//
// Binary bodies (images, archives, octet streams that are not text) under a mask obligation are refused, and
// never exempted by their Content-Type: the agent chooses that header (S3 `response-content-type`, GCS
// `response-content-type`, the metadata it gave the object at upload), so an exemption by type would let it
// relabel any document as image/png and read it unmasked. A policy that allows a binary download says so in
// the decision for that request: no mask obligation (e.g. an object read it allows, or holds for approval).
// They are refused early: on the declared type, or on the first chunk (a NUL byte or bytes that are not
// UTF-8), so a large download is not buffered only to be withheld.
import { Readable, Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { maskDetected } from '../../engine/obligations/index.ts'
import { compileRules } from '../../engine/obligations/mask/rules.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { codings, decodeBody } from './encoding.ts'
import { HttpGatewayError } from './errors.ts'
import { deflateFile, inflateFile, isGzip } from './gzip-file.ts'
import type { MaskBudget } from './mask-budget.ts'
import { BINARY_FAMILIES, binaryRefused, failed, immutable, isJson, maskDecoded, maskDocument, type MaskJob, maskJsonOrText, maskPlainText } from './mask-decoded.ts'
import { type MaskThread, OFF_THREAD_BYTES } from './mask-thread.ts'
import { isDigestHeader } from './mask-headers.ts'
import { hideCredentials, SECRET_MASK } from './response-credential.ts'
import { wideEncoding } from './text-encoding.ts'
import { utf8Start } from './utf8.ts'
import type { TableForm } from './kube-tables.ts'
import type { UpstreamResponse } from './upstream.ts'
import { tableColumnCarrier } from './watch-tables.ts'
import { ValueSearch } from './value-search.ts'
import { inOrder, sseEvents } from './sse-events.ts'

/** Largest whole body the gateway buffers to mask. */
export const MAX_MASKED_BYTES = 32 * 1024 * 1024
/** Longest single event of a masked watch stream. */
const MAX_EVENT_BYTES = 8 * 1024 * 1024

export interface MaskedBody {
  headers: Record<string, string | string[]>
  body: Uint8Array | Readable
  /** Values masked so far (a stream's count grows as it flows; read it when the stream ends). */
  masked(): number
}

export const maskBudgetBusy = () => new HttpGatewayError(503, 'http.busy', 'the response must be masked, but the gateway already holds as many response bytes as it may to mask them, or as one requester may (half of those, and of their last quarter only a fair share; mask-budget.ts); it was withheld: retry shortly, or ask for less at once')

export function mediaType(res: UpstreamResponse): string {
  return String(res.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase()
}


/** Kubernetes watch and other newline-delimited JSON streams. */
export function isJsonLines(res: UpstreamResponse, watchRequested: boolean): boolean {
  const raw = String(res.headers['content-type'] ?? '').toLowerCase()
  return raw.includes('stream=watch') || raw.startsWith('application/x-ndjson') || raw.startsWith('application/jsonl') || (watchRequested && isJson(mediaType(res)))
}

// A charset parameter, quoted or not.
const CHARSET = /(;\s*charset\s*=\s*)("[^"]*"|[^;\s]*)/gi

/**
 * A masked body's Content-Type: a charset it names is UTF-8, the one the masker read the body in and wrote it in.
 * Left as sent (utf-16le, utf-7, shift_jis), it had the client read other text than the one masked.
 */
export function utf8ContentType(value: string): string {
  return value.replace(CHARSET, (all, head: string, name: string) => (/^"?utf-?8"?$/i.test(name) ? all : `${head}utf-8`))
}

function outHeaders(res: UpstreamResponse, length?: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || ['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(k) || isDigestHeader(k)) continue
    out[k] = k === 'content-type' ? (Array.isArray(v) ? v.map(utf8ContentType) : utf8ContentType(String(v))) : v
  }
  if (length !== undefined) out['content-length'] = String(length)
  return out
}

const ignore = () => undefined
export const noneMasked = () => 0
// An unnamed closure: under tsx a closure created as a named property (`masked: () => n`) is also renamed
// (a defineProperty, ~0.5 µs) every time, and one is made per response.
const constant = (n: number) => () => n
const prematureClose = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })

/**
 * The whole body, up to MAX_MASKED_BYTES; `first` sees the first chunk and may throw to stop reading. Read from
 * 'data' events: an async iterator over the stream cost several times more per (small) body, and every body
 * the gateway masks comes through here. A stream that fails, or closes before it ends, rejects (as for-await
 * did: its error, or Premature close); a stopped read destroys the stream.
 */
export function readAll(res: UpstreamResponse, first?: (chunk: Buffer) => void, budget?: MaskBudget): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (res.destroyed) return reject(res.errored ?? prematureClose())
    new BodyReader(res, first, budget, resolve, reject).start()
  })
}

/**
 * One read of readAll. A class rather than closures: six listener closures made per body cost several µs a
 * response here (under tsx each named closure is also renamed, a defineProperty, every time it is created).
 */
class BodyReader {
  private readonly chunks: Buffer[] = []
  private size = 0
  // Bound methods, not arrow fields: tsx renames an arrow field (a defineProperty) each time it is created.
  private readonly onData = this.data.bind(this)
  private readonly onEnd = this.end.bind(this)
  private readonly onError = this.fail.bind(this)
  private readonly onClose = this.closed.bind(this)

  constructor(
    private readonly res: UpstreamResponse,
    private readonly first: ((chunk: Buffer) => void) | undefined,
    private readonly budget: MaskBudget | undefined,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  start(): void {
    const res = this.res
    // Once the read is settled, a later error (the caller destroying the stream) has nowhere to go: it is
    // swallowed, as the iterator's end-of-stream listener, left in place, swallowed it.
    res.on('error', ignore)
    res.on('data', this.onData)
    res.once('end', this.onEnd)
    res.once('error', this.onError)
    res.once('close', this.onClose)
  }

  private cleanup(): void {
    this.res.off('data', this.onData)
    this.res.off('end', this.onEnd)
    this.res.off('error', this.onError)
    this.res.off('close', this.onClose)
  }

  private stop(err: unknown): void {
    this.cleanup()
    this.res.destroy()
    this.giveBack(err)
  }

  // On success the caller owns the bytes taken from the budget (the body's length) and gives them back.
  private giveBack(err: unknown): void {
    this.budget?.give(this.size)
    this.reject(err)
  }

  private data(chunk: Buffer): void {
    if (this.size === 0 && this.first) {
      try {
        this.first(chunk)
      } catch (err) {
        return this.stop(err)
      }
    }
    if (this.budget && !this.budget.take(chunk.byteLength)) return this.stop(maskBudgetBusy())
    this.size += chunk.byteLength
    if (this.size > MAX_MASKED_BYTES) return this.stop(failed(`it is larger than ${MAX_MASKED_BYTES} bytes`))
    this.chunks.push(chunk)
  }

  private end(): void {
    this.cleanup()
    this.resolve(Buffer.concat(this.chunks))
  }

  private fail(err: unknown): void {
    this.cleanup()
    this.giveBack(err)
  }

  private closed(): void {
    this.fail(this.res.errored ?? prematureClose())
  }
}

/**
 * Masks a whole (non-streaming) body; the result has no Content-Encoding and a correct Content-Length.
 * `credentials`: the forms of the gateway's upstream credential to hide (response-credential.ts); `table`: for a
 * Kubernetes answer, the form its Table rows are answered in (kube-tables.ts).
 */
export async function maskWholeBody(res: UpstreamResponse, obligations: MaskObligation[], key: Uint8Array, credentials: readonly string[] = [], budget?: MaskBudget, thread?: MaskThread, table?: TableForm, origin?: readonly string[]): Promise<MaskedBody> {
  const declared = mediaType(res)
  if (BINARY_FAMILIES.test(declared) && !declared.endsWith('+xml')) throw binaryRefused(declared, obligations)
  const encoded = codings(res.headers['content-encoding'] as string | undefined).length > 0
  const raw = await readAll(res, (first) => {
    // Compressed bodies are judged once decoded, below; UTF-16 and UTF-32 text holds NUL bytes.
    if (!encoded && !isGzip(first) && !wideEncoding(first, res, true) && !maybeText(first)) throw binaryRefused(declared, obligations)
  }, budget)
  // The body read and, for a compressed one, its decoded form, held until the masked copy is made.
  let held = raw.byteLength
  try {
    return await maskRead(res, raw, obligations, key, credentials, declared, (n) => {
      if (budget && !budget.take(n)) throw maskBudgetBusy()
      held += n
    }, thread, table, origin)
  } finally {
    budget?.give(held)
  }
}

async function maskRead(res: UpstreamResponse, raw: Buffer, obligations: MaskObligation[], key: Uint8Array, credentials: readonly string[], declared: string, hold: (n: number) => void, thread: MaskThread | undefined, table: TableForm | undefined, origin: readonly string[] | undefined): Promise<MaskedBody> {
  if (raw.byteLength === 0) return { headers: outHeaders(res, 0), body: raw, masked: noneMasked }
  let decoded: Uint8Array
  try {
    decoded = decodeBody(raw, res.headers['content-encoding'], MAX_MASKED_BYTES, 'the upstream response')
  } catch (err) {
    throw failed((err as Error).message, err)
  }
  if (codings(res.headers['content-encoding'] as string | undefined).length) hold(decoded.byteLength)
  // A gzip file as the body: masked as the text it holds (gzip-file.ts), declared text whatever its Content-Type.
  const file = isGzip(decoded) ? decoded : undefined
  if (file) {
    decoded = await inflateFile(file, MAX_MASKED_BYTES)
    hold(decoded.byteLength)
  }
  const type = file ? 'text/plain' : declared
  const encoding = wideEncoding(decoded, res)
  const job: MaskJob = { body: decoded, type, declared, obligations, key, credentials, ...(table ? { table } : {}), ...(encoding ? { encoding } : {}), ...(origin?.length ? { origin } : {}) }
  const out = thread && decoded.byteLength > OFF_THREAD_BYTES ? await thread.mask(job) : maskDecoded(job)
  const body = file ? await deflateFile(file, out.body, out.masked, MAX_MASKED_BYTES) : out.body
  return { headers: outHeaders(res, body.byteLength), body, masked: constant(out.masked) }
}

/** Whether the start of a body can be UTF-8 text: no NUL byte, and valid UTF-8 (a sequence cut at the end is fine). */
function maybeText(chunk: Buffer): boolean {
  return !chunk.includes(0) && utf8Start(chunk)
}

export function decoderFor(res: UpstreamResponse): Transform[] {
  return codings(res.headers['content-encoding'] as string | undefined).reverse().map((c) => {
    if (c === 'gzip' || c === 'x-gzip') return createGunzip()
    if (c === 'br') return createBrotliDecompress()
    if (c === 'deflate') return createInflate()
    throw failed(`its Content-Encoding ${c} cannot be read`)
  })
}

export const isEventStream = (res: UpstreamResponse) => mediaType(res) === 'text/event-stream'

/**
 * Masks a line-oriented stream as it flows: newline-delimited JSON (Kubernetes watch), each line a document;
 * or server-sent events, each event's data (its data lines joined, as a client reads them) masked as JSON when
 * it is JSON, else as text (sse-events.ts).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export function maskLines(res: UpstreamResponse, obligations: MaskObligation[], key: Uint8Array, format: 'ndjson' | 'sse', credentials: readonly string[] = [], thread?: MaskThread, table?: TableForm, origin: readonly string[] = []): MaskedBody {
  let masked = 0
  // Values masked by origin (pod-secrets.ts) are hidden in each line or event first, as in a whole body (mask-decoded.ts).
  const search = origin.length ? new ValueSearch(origin) : undefined
  const byOrigin = (text: string) => {
    if (!search) return text
    const out = search.hide(text, SECRET_MASK)
    masked += out.hidden
    return out.text
  }
  let pending = ''
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  // A line of newline-delimited JSON is a JSON document or the stream is not what it says: masked as text line
  // by line, a block a detector finds whole (a PEM private key) would pass but for its first line.
  // An event's data is text that may be JSON. Data that starts as JSON and is none, in an event of data lines only
  // (`data: [DONE]`, which ends every OpenAI-style stream; `[INFO] …`), is masked as text. In an event with other
  // fields it is withheld: a comment or id line may hold the rest of a document cut short (`data: {"password":`,
  // then `: "…"}`), which no detector reads as one.
  const maskPayload = (given: string, dataOnly = false) => {
    const payload = byOrigin(given)
    const out = format === 'ndjson' ? maskDocument(payload, obligations, key, table)
      : !/^\s*[[{]/.test(payload) ? maskPlainText(payload, obligations, key)
        : maskJsonOrText(payload, dataOnly ? 'text/plain' : 'application/json', obligations, key, table)
    const clean = hideCredentials(out.text, credentials)
    masked += out.masked + clean.hidden
    return clean.text
  }
  const detectors = compileRules(obligations)
  const maskField = (line: string) => {
    let text = byOrigin(line)
    if (detectors.detectors.length) {
      const out = maskDetected(text, detectors.detectors, detectors.detectorStrategies, key)
      if (out.masked) masked++
      text = out.value ?? ''
    }
    const clean = hideCredentials(text, credentials)
    masked += clean.hidden
    return clean.text
  }
  const carry = tableColumnCarrier()
  const isLarge = (text: string) => thread !== undefined && text.length > OFF_THREAD_BYTES
  // A large event (a watch event holding a large object) is masked on the mask thread, as a large whole body is:
  // on the socket thread an 8 MB event held every other session for a second or more.
  const onThread = async (payload: string, type: string): Promise<string> => {
    const out = await thread!.mask({ body: Buffer.from(payload, 'utf8'), type, declared: type, obligations, key, credentials, ...(table ? { table } : {}), ...(origin.length ? { origin } : {}) })
    masked += out.masked
    return Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength).toString('utf8')
  }
  const ndjsonLine = (line: string): string[] | Promise<string[]> => {
    if (line.trim() === '') return [line]
    const event = carry(line)
    if (!isLarge(line)) return [event.restore(maskPayload(event.text))]
    return onThread(event.text, 'application/json').then((text) => [event.restore(text)])
  }
  const events = sseEvents({
    data: (payload, dataOnly) => {
      if (!isLarge(payload)) return maskPayload(payload, dataOnly)
      return onThread(payload, !dataOnly && /^\s*[[{]/.test(payload) ? 'application/json' : 'text/plain')
    },
    // Comments, event names, ids and retry values are no data the client reads as such, but still text the
    // upstream sent: the detectors run over them (a relabelled answer, e.g. S3 response-content-type, can be all
    // comments: a Ruby-style YAML file's `:key: value` lines). Anything else is not SSE.
    field: (line) => {
      if (/^(:|event:|id:|retry:)/.test(line)) return maskField(line)
      if (line.trim() === '') return line
      throw failed('a server-sent event line is neither a data field nor a known field')
    },
  }, MAX_EVENT_BYTES)
  const step = format === 'ndjson' ? ndjsonLine : events.line
  const send = (out: string[], ending = '\n') => (out.length ? `${out.join('\n')}${ending}` : undefined)
  const lines = new Transform({
    transform(chunk: Buffer, _enc, done) {
      let out: string[] | Promise<string[]>
      try {
        const text = utf8.decode(chunk, { stream: true })
        if (pending.length + text.length > MAX_EVENT_BYTES) throw failed(`one event is larger than ${MAX_EVENT_BYTES} bytes`)
        // Only the new text is searched for the end of a line: splitting all that was pending again on every chunk
        // read a large event over and over (an 8 MB event in 16 KB chunks, some 2 GB of text) on the socket thread.
        const end = text.lastIndexOf('\n')
        if (end === -1) {
          pending += text
          return done()
        }
        const parts = (pending + text.slice(0, end)).split('\n')
        pending = text.slice(end + 1)
        out = inOrder(parts, step)
      } catch (err) {
        return done(err as Error)
      }
      if (!(out instanceof Promise)) return done(null, send(out))
      out.then((o) => done(null, send(o)), (err: Error) => done(err))
    },
    flush(done) {
      let out: string[] | Promise<string[]>
      try {
        pending += utf8.decode()
        // The last line, without a newline after it: sent without one.
        const last = pending === '' ? [] : [pending]
        out = inOrder([...last, ''], (line) => (line === '' && format === 'sse' ? events.end() : line === '' ? [] : step(line)))
      } catch (err) {
        return done(err as Error)
      }
      if (!(out instanceof Promise)) return done(null, send(out, ''))
      out.then((o) => done(null, send(o, '')), (err: Error) => done(err))
    },
  })
  const stages = [...decoderFor(res), lines]
  let stream: Readable = res
  for (const stage of stages) {
    stream.on('error', (err) => stage.destroy(err))
    stream = stream.pipe(stage)
  }
  return { headers: outHeaders(res), body: stream, masked: () => masked }
}

export function streamUnmasked(res: UpstreamResponse): { headers: Record<string, string | string[]>; body: Readable } {
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || ['transfer-encoding', 'connection', 'keep-alive'].includes(k)) continue
    headers[k] = v
  }
  return { headers, body: res }
}

/** The obligations that act on response bodies (all of them today: path, column, detector, source). */
export function bodyMasks(obligations: readonly MaskObligation[]): MaskObligation[] {
  const fixed = immutable(obligations)
  if (fixed) {
    const known = bodyMasksOf.get(obligations)
    if (known) return known
  }
  const masks = obligations.filter((o) => o.path || o.column || o.detector || o.source)
  // Kept frozen, so maskerFor finds its masker by the list.
  if (fixed) bodyMasksOf.set(obligations, Object.freeze(masks) as MaskObligation[])
  return masks
}

// The body masks of an obligations list that cannot change (a cached decision's): one list for every response.
const bodyMasksOf = new WeakMap<readonly MaskObligation[], MaskObligation[]>()

export { Readable }
