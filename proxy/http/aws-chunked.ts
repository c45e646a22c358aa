// Checks an aws-chunked body as it streams past (S3 uploads with `x-amz-content-sha256:
// STREAMING-UNSIGNED-PAYLOAD-TRAILER`, which the aws CLI and the SDKs send for PutObject and UploadPart): the
// framing, the decoded length against x-amz-decoded-content-length, and the trailing checksum when it is one node
// computes (crc32, sha1, sha256; S3 verifies crc32c and crc64nvme itself). The bytes are forwarded unchanged;
// this only reads them. Chunk extensions (per-chunk signatures) are refused: they are the agent's signatures.
// @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
import { createHash, type Hash } from 'node:crypto'
import { crc32 } from 'node:zlib'

export class AwsChunkedError extends Error {}

interface Checksum { update(b: Buffer): void; digest(): string }

function checksumOf(name: string): Checksum | undefined {
  if (name === 'x-amz-checksum-crc32') {
    let value = 0
    return {
      update: (b) => { value = crc32(b, value) },
      digest: () => { const out = Buffer.alloc(4); out.writeUInt32BE(value >>> 0); return out.toString('base64') },
    }
  }
  const algorithm = { 'x-amz-checksum-sha1': 'sha1', 'x-amz-checksum-sha256': 'sha256' }[name]
  if (!algorithm) return undefined
  const hash: Hash = createHash(algorithm)
  return { update: (b) => hash.update(b), digest: () => hash.digest('base64') }
}

const MAX_LINE = 256

export interface AwsChunkedReader {
  /** Reads the next bytes of the body; throws AwsChunkedError when they break the framing. */
  push(chunk: Buffer): void
  /** At the end of the body: throws unless it was complete and matched what was declared. */
  end(): void
}

export function awsChunkedReader(declared: { decodedLength: number; trailers: string[] }): AwsChunkedReader {
  const checksums = new Map<string, Checksum>()
  for (const name of declared.trailers) {
    const c = checksumOf(name)
    if (c) checksums.set(name, c)
  }
  let state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size'
  let line = ''
  let remaining = 0
  let decoded = 0
  const verified = new Set<string>()
  const fail = (why: string): never => { throw new AwsChunkedError(why) }

  function onLine(text: string): void {
    if (state === 'size') {
      if (!/^[0-9a-fA-F]{1,16}$/.test(text)) fail(`a chunk header is not a plain hex size (${JSON.stringify(text.slice(0, 40))}); signed chunks cannot be forwarded with the gateway's signature`)
      remaining = parseInt(text, 16)
      decoded += remaining
      if (decoded > declared.decodedLength) fail(`the chunks carry more than the ${declared.decodedLength} bytes x-amz-decoded-content-length declared`)
      state = remaining === 0 ? 'trailer' : 'data'
      return
    }
    if (state === 'data-end') {
      if (text !== '') fail('a chunk does not end with CRLF')
      state = 'size'
      return
    }
    // trailer
    if (text === '') {
      state = 'done'
      return
    }
    const colon = text.indexOf(':')
    const name = text.slice(0, colon).trim().toLowerCase()
    if (colon < 0 || !declared.trailers.includes(name)) fail(`trailer ${JSON.stringify(text.slice(0, 40))} was not declared in x-amz-trailer`)
    const sum = checksums.get(name)
    if (sum && sum.digest() !== text.slice(colon + 1).trim()) fail(`the body does not match its ${name} trailer`)
    verified.add(name)
  }

  return {
    push(chunk) {
      let at = 0
      while (at < chunk.length) {
        if (state === 'done') fail('bytes follow the end of the aws-chunked body')
        if (state === 'data') {
          const take = Math.min(remaining, chunk.length - at)
          const data = chunk.subarray(at, at + take)
          for (const c of checksums.values()) c.update(data)
          remaining -= take
          at += take
          if (remaining === 0) state = 'data-end'
          continue
        }
        const nl = chunk.indexOf(0x0a, at)
        const end = nl < 0 ? chunk.length : nl
        line += chunk.toString('latin1', at, end)
        if (line.length > MAX_LINE) fail('a chunk header or trailer line is too long')
        at = end
        if (nl < 0) continue
        at++
        if (!line.endsWith('\r')) fail('a line of the aws-chunked framing does not end with CRLF')
        const text = line.slice(0, -1)
        line = ''
        onLine(text)
      }
    },
    end() {
      if (state !== 'done') fail('the aws-chunked body ended before its final chunk and trailers')
      if (decoded !== declared.decodedLength) fail(`the chunks carry ${decoded} bytes, x-amz-decoded-content-length declared ${declared.decodedLength}`)
      for (const name of checksums.keys()) if (!verified.has(name)) fail(`the ${name} trailer declared in x-amz-trailer is missing`)
    },
  }
}
