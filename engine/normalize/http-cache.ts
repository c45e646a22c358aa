// Reuses the normalized form of an HTTP request (plain HTTP, Kubernetes, GCP, AWS) that is byte for byte one
// already normalized. Those normalizers are deterministic functions of the request's method, URL, headers, body,
// bodyNotRead and maxBodyBytes and of the target's kind: they read no clock, no randomness and no other state.
// All of these are in the key, so any difference (a header, one byte of the body) is another entry. MCP messages
// are never kept: their normalization reads the tool registry's view (the McpJudgeContext), which changes.
// Entries are frozen: one shared object must not be changed by any judgement. An agent repeats the same requests
// (kubectl get, polling, retries), and a frozen command and risk also let the input check and the decision
// cache's key reuse their work (input-check.ts, decide/decision-cache.ts).
import { deepFreeze } from '../deep-freeze.ts'
import type { Target } from '../types.ts'
import type { RawHttpRequest } from './http.ts'
import type { Normalized } from './index.ts'
import { KeyedLru } from '../keyed-lru.ts'

export interface HttpNormalizeCacheOptions {
  maxEntries?: number
  /** Bound on the summed length of the keys kept (a normalized form grows with its request). */
  maxChars?: number
  /** Requests whose key is longer (large bodies) are normalized every time. */
  maxKeyLength?: number
}

const MAX_ENTRIES = 2048
const MAX_CHARS = 4 * 1024 * 1024
const MAX_KEY_LENGTH = 16 * 1024

/** The cache key: every field a normalizer reads, or undefined for a request not kept (odd types, MCP). */
export function httpRequestKey(request: RawHttpRequest, target: Target): string | undefined {
  if (target.kind === 'mcp') return undefined
  const { method, url, headers, body, bodyNotRead, maxBodyBytes } = request
  if (typeof method !== 'string' || typeof url !== 'string') return undefined
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) return undefined
  if (bodyNotRead !== undefined && typeof bodyNotRead !== 'string') return undefined
  if (maxBodyBytes !== undefined && typeof maxBodyBytes !== 'number') return undefined
  let bodyKey: string
  if (body === undefined) bodyKey = '-'
  else if (typeof body === 'string') bodyKey = `s${body}`
  // latin1 maps each byte to one character: a lossless text of the bytes.
  else if (body instanceof Uint8Array) bodyKey = `b${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1')}`
  else return undefined
  // JSON text of each part: no separator inside one part can be mistaken for the boundary of the next.
  return JSON.stringify([target.kind, method, url, headers ?? null, bodyNotRead ?? null, maxBodyBytes ?? null]) + bodyKey
}

export class HttpNormalizeCache {
  private readonly entries: KeyedLru<Normalized>
  private readonly maxKeyLength: number
  hits = 0
  misses = 0

  constructor(opts: HttpNormalizeCacheOptions = {}) {
    this.entries = new KeyedLru(opts.maxEntries ?? MAX_ENTRIES, opts.maxChars ?? MAX_CHARS)
    this.maxKeyLength = opts.maxKeyLength ?? MAX_KEY_LENGTH
  }

  /** `compute` normalizes `request` for `target`; its result is kept (frozen) when the request has a key. */
  normalize(request: RawHttpRequest, target: Target, compute: () => Normalized): Normalized {
    let key: string | undefined
    // A body over the key limit is never kept: no copy of it is made for a key.
    const bodyLength = typeof request.body === 'string' || request.body instanceof Uint8Array ? request.body.length : 0
    if (bodyLength > this.maxKeyLength) return compute()
    try {
      key = httpRequestKey(request, target)
    } catch {
      // A header value JSON cannot hold (a BigInt): normalized every time, reported by the normalizer if it must be.
      key = undefined
    }
    if (key === undefined || key.length > this.maxKeyLength) return compute()
    const hit = this.entries.get(key)
    if (hit) {
      this.hits++
      return hit
    }
    this.misses++
    const normalized = compute()
    try {
      deepFreeze(normalized)
    } catch {
      // Something that cannot be frozen (a typed array with elements): used once, not kept.
      return normalized
    }
    this.entries.set(key, normalized)
    return normalized
  }

  get size(): number {
    return this.entries.size
  }
}
