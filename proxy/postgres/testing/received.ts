// What a client received, read from the raw bytes of its socket rather than from a driver's result objects: a
// driver drops the rows of earlier statements when a later one fails, and ignores notifications and COPY data
// unless asked. Every typed backend frame is kept: rows, column names, errors, notices, notifications, COPY
// data, parameter status and command tags.
import { FrameReader } from '../framing.ts'
import { decodeFields } from '../messages/error-response.ts'
import { decodeDataRow } from '../messages/data-row.ts'
import { decodeRowDescription } from '../messages/row-description.ts'
import type { Received, ReceivedResult } from './leak-check.ts'

export interface ByteRecorder {
  bytes(): Buffer
  stop(): void
}

/** Records what arrives on a readable stream (a pg client's socket) until stopped. */
export function recordBytes(stream: NodeJS.EventEmitter): ByteRecorder {
  const chunks: Buffer[] = []
  const on = (c: Buffer) => chunks.push(Buffer.from(c))
  stream.on('data', on)
  return { bytes: () => Buffer.concat(chunks), stop: () => stream.off('data', on) }
}

function cstrings(payload: Buffer): string[] {
  return payload.toString('latin1').split('\0').filter(Boolean)
}

/** Decodes typed backend frames into what the leak checker scans; a partial trailing frame is ignored. */
export function receivedFromBytes(bytes: Buffer): Received {
  const reader = new FrameReader({ typed: true })
  reader.push(bytes)
  const received: Received = { results: [], messages: [], raw: bytes.toString('latin1') }
  let current: ReceivedResult | undefined
  const result = (): ReceivedResult => {
    if (!current) {
      current = { fields: [], rows: [] }
      received.results.push(current)
    }
    return current
  }
  for (let f = reader.next(); f; f = reader.next()) {
    const p = Buffer.from(f.payload)
    switch (f.type) {
      case 'T':
        current = { fields: decodeRowDescription(p).map((d) => d.name), rows: [] }
        received.results.push(current)
        break
      case 'D':
        result().rows.push(decodeDataRow(p).map((v) => (v === null ? null : v.toString('utf8'))))
        break
      case 'd':
        result().rows.push([p.toString('utf8')])
        break
      case 'E':
      case 'N':
        received.messages.push(...decodeFields(p, f.type === 'E' ? 'ErrorResponse' : 'NoticeResponse').values())
        break
      case 'A':
        received.messages.push(...cstrings(p.subarray(4)))
        break
      case 'S':
      case 'C':
        received.messages.push(...cstrings(p))
        current = f.type === 'C' ? undefined : current
        break
      default:
        break
    }
  }
  return received
}
