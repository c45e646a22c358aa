// Test helpers for wire frames: strip the header of an encoded message, split a byte string into frames.
import { FrameReader, type Frame } from '../framing.ts'

/** The payload of one encoded typed message, checking its type and length word. */
export function payloadOf(buf: Buffer, type: string): Buffer {
  if (String.fromCharCode(buf[0]!) !== type) throw new Error(`expected message type ${type}, got ${String.fromCharCode(buf[0]!)}`)
  if (buf.readInt32BE(1) !== buf.length - 1) throw new Error('length word does not match the message size')
  return buf.subarray(5)
}

/** The payload of one encoded startup-phase packet. */
export function untypedPayloadOf(buf: Buffer): Buffer {
  if (buf.readInt32BE(0) !== buf.length) throw new Error('length word does not match the packet size')
  return buf.subarray(4)
}

/** Every complete typed frame in a byte string. */
export function framesOf(buf: Buffer): Frame[] {
  const reader = new FrameReader({ typed: true })
  reader.push(buf)
  const out: Frame[] = []
  for (let f = reader.next(); f; f = reader.next()) out.push(f)
  return out
}
