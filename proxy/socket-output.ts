// How far a socket's output has got, for the limits that close a connection whose client stopped reading
// (proxy/http/send-timeout.ts, the PostgreSQL session's idle limit).
import type { Writable } from 'node:stream'

/**
 * A count that moves only as the kernel takes the socket's output: bytesWritten counts every byte handed to write(),
 * writableLength those whose write has not completed, and the handle's writeQueueSize the bytes of the write in
 * progress the kernel has not taken yet (a write completes only when all of it is taken, which for a 64 KiB chunk
 * to a slow reader takes a while). A client that does not read stops it.
 */
export function outputTaken(stream: Writable): number {
  const s = stream as Writable & { bytesWritten?: number; _handle?: { writeQueueSize?: number } }
  return (s.bytesWritten ?? 0) - s.writableLength - (s._handle?.writeQueueSize ?? 0)
}
