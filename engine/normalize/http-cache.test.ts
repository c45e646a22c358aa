import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../config/defaults.ts'
import { parseFixtures } from '../fixtures/load.ts'
import { rawRequest } from '../fixtures/run.ts'
import { targetOf } from '../input.ts'
import type { Target, TargetKind } from '../types.ts'
import { garbageRequests } from './garbage-requests.ts'
import type { RawHttpRequest } from './http.ts'
import { HttpNormalizeCache } from './http-cache.ts'
import { normalize, type Normalized } from './index.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const config = defaultConfig()
const targetOfKind = (kind: TargetKind, name = `t-${kind}`): Target => ({ name, kind, environment: 'production', labels: {} })

function counted(cache: HttpNormalizeCache, target: Target) {
  let computed = 0
  return {
    run: (request: RawHttpRequest): Normalized => cache.normalize(request, target, () => (computed++, normalize({ kind: 'http', request }, target))),
    get computed() { return computed },
  }
}

/** Normalized through the cache twice, then without it: the same document every time, the second from the cache. */
function same(label: string, request: RawHttpRequest, target: Target, cache = new HttpNormalizeCache()): { kept: boolean } {
  const c = counted(cache, target)
  const first = c.run(request)
  const second = c.run(request)
  const want = JSON.stringify(normalize({ kind: 'http', request }, target))
  assert.is(JSON.stringify(first), want, `${label}: first`)
  assert.is(JSON.stringify(second), want, `${label}: from the cache`)
  return { kept: c.computed === 1 && first === second }
}

test('every HTTP, Kubernetes and cloud policy fixture: the cached normalization is the one normalizing gives, and is reused', () => {
  const dir = join(root, 'testdata', 'policies')
  const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseFixtures(readFileSync(join(dir, f), 'utf8'), f))
  let n = 0
  for (const fixture of fixtures) {
    if (fixture.input || fixture.sql !== undefined || fixture.mcp !== undefined) continue
    const raw = rawRequest(fixture)
    if (raw.kind !== 'http') continue
    const target = targetOf(config.targets.find((t) => t.name === fixture.target)!)
    const { kept } = same(`${fixture.file}#${fixture.index} ${fixture.note}`, raw.request, target)
    assert.ok(kept, `${fixture.note}: not served from the cache`)
    n++
  }
  assert.ok(n >= 60, `only ${n} HTTP fixtures`)
})

test('kept results are frozen: no judgement can change what the next one reads', () => {
  const cache = new HttpNormalizeCache()
  const target = targetOfKind('kubernetes')
  const request: RawHttpRequest = { method: 'POST', url: 'https://k/api/v1/namespaces/prod/pods', headers: { 'content-type': 'application/json' }, body: '{"metadata":{"name":"x"}}' }
  const out = cache.normalize(request, target, () => normalize({ kind: 'http', request }, target))
  assert.ok(Object.isFrozen(out) && Object.isFrozen(out.command) && Object.isFrozen(out.risk) && Object.isFrozen(out.command.http!.body))
  assert.throws(() => { (out.command.http!.headers as Record<string, string>)['content-type'] = 'text/plain' })
})

test('any difference in what a normalizer reads is another entry: method, url, a header, body bytes, limits, target kind', () => {
  const cache = new HttpNormalizeCache()
  const k8s = targetOfKind('kubernetes')
  const base: RawHttpRequest = { method: 'POST', url: 'https://k/api/v1/namespaces/prod/pods', headers: { 'content-type': 'application/json', 'x-request-id': 'a' }, body: new TextEncoder().encode('{"a":1}'), maxBodyBytes: 100 }
  const variants: Array<[string, RawHttpRequest, Target]> = [
    ['base', base, k8s],
    ['method', { ...base, method: 'PUT' }, k8s],
    ['url', { ...base, url: 'https://k/api/v1/namespaces/dev/pods' }, k8s],
    ['header value', { ...base, headers: { ...base.headers, 'x-request-id': 'b' } }, k8s],
    ['header added', { ...base, headers: { ...base.headers, 'user-agent': 'kubectl' } }, k8s],
    ['header as a list', { ...base, headers: { ...base.headers, accept: ['a', 'b'] } }, k8s],
    ['body byte', { ...base, body: new TextEncoder().encode('{"a":2}') }, k8s],
    ['body as text', { ...base, body: '{"a":1}' }, k8s],
    ['body over the limit', { ...base, maxBodyBytes: 3 }, k8s],
    ['body not read', { ...base, body: undefined, bodyNotRead: 'object upload' }, k8s],
    ['another kind', base, targetOfKind('http')],
    ['aws', base, targetOfKind('aws')],
    ['gcp', base, targetOfKind('gcp')],
  ]
  const seen = new Set<string>()
  for (const [label, request, target] of variants) {
    const { kept } = same(label, request, target, cache)
    assert.ok(kept, `${label}: kept`)
    seen.add(JSON.stringify(cache.normalize(request, target, () => { throw new Error(`${label}: recomputed`) })))
  }
  assert.is(cache.size, variants.length, 'one entry each')
  assert.ok(seen.size >= variants.length - 3, 'the variants normalize differently (a few differ only in what the policy does not see)')
})

test('a body is its bytes: a view into a larger buffer keys on the viewed bytes only', () => {
  const cache = new HttpNormalizeCache()
  const target = targetOfKind('http')
  const big = new TextEncoder().encode('xx{"a":1}yy')
  const view = big.subarray(2, 9)
  const request: RawHttpRequest = { method: 'POST', url: 'https://h/p', headers: { 'content-type': 'application/json' }, body: view }
  same('view', request, target, cache)
  same('copy', { ...request, body: new TextEncoder().encode('{"a":1}') }, target, cache)
  assert.is(cache.size, 1, 'the same bytes, one entry')
})

test('MCP targets, odd types, and requests over the key limit are normalized every time, exactly as without the cache', () => {
  const cache = new HttpNormalizeCache({ maxKeyLength: 1024 })
  const mcp = { ...targetOfKind('mcp'), labels: { mcp_server: 'files' } }
  const call: RawHttpRequest = { method: 'POST', url: 'https://m/mcp', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read"}}' }
  assert.not.ok(same('mcp', call, mcp, cache).kept)
  const outcome = (f: () => Normalized) => {
    try {
      return JSON.stringify(f())
    } catch (err) {
      return `throws ${(err as Error).message}`
    }
  }
  for (const [i, request] of garbageRequests.entries()) {
    const target = targetOfKind('aws')
    const want = outcome(() => normalize({ kind: 'http', request }, target))
    for (let k = 0; k < 2; k++) assert.is(outcome(() => cache.normalize(request, target, () => normalize({ kind: 'http', request }, target))), want, `garbage ${i}`)
  }
  const large: RawHttpRequest = { method: 'POST', url: 'https://h/p', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ v: 'x'.repeat(2000) }) }
  assert.not.ok(same('large', large, targetOfKind('http'), cache).kept)
  assert.is(cache.size, garbageRequests.length - 1, 'only the well-typed garbage requests are kept')
})

test('bounded: the least recently used entry goes first', () => {
  const cache = new HttpNormalizeCache({ maxEntries: 2 })
  const target = targetOfKind('http')
  const c = counted(cache, target)
  const r = (path: string): RawHttpRequest => ({ method: 'GET', url: `https://h${path}` })
  c.run(r('/a'))
  c.run(r('/b'))
  c.run(r('/a'))
  c.run(r('/c'))
  assert.is(cache.size, 2)
  assert.is(c.computed, 3)
  c.run(r('/a'))
  assert.is(c.computed, 3, '/a was used recently and stayed')
  c.run(r('/b'))
  assert.is(c.computed, 4, '/b was evicted')
})

test.run()
