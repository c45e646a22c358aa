// What an upstream read against what the gateway judged (the input document's command.http): method, decoded
// path, query as a multimap, the headers the policy reads, and the parsed body. Each difference is one line.
import type { HttpCommand } from '../../engine/types.ts'
import type { EchoReport } from './echoes.ts'

// Headers the policy reads that the gateway may rewrite on the way without changing the request's meaning:
// framing (a chunked body is forwarded with its length), and the request id the harness tags requests with.
const REFRAMED = new Set(['content-length', 'transfer-encoding', 'x-request-id', 'accept-encoding'])
// Headers that change what an upstream does, compared whether or not the gateway judged them.
const WATCHED = /^(content-type|content-encoding|x-http-method-override|x-http-method|x-method-override|x-amz-.*|x-goog-.*|impersonate-.*|upgrade|x-forwarded-proto)$/

// Single-valued headers: given twice, each upstream's application reads the first (Go's Header.Get, werkzeug's
// headers.get, node's req.headers for content-type), where the policy would read the values joined.
const SINGLE = /^(content-type|x-amz-acl|x-goog-acl|x-amz-copy-source|x-amz-target|x-amz-content-sha256|x-amz-date|x-goog-user-project|user-agent|impersonate-user|impersonate-uid)$/

/** JSON equality, object keys in any order. */
const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
}

function sortedQuery(q: Record<string, string[]>): Array<[string, string[]]> {
  return Object.entries(q).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The upstream's body as the policy would parse it, by the judged Content-Type; undefined when it is not parsed. */
function upstreamBody(report: EchoReport, judged: HttpCommand): unknown {
  const text = Buffer.from(report.body_base64, 'base64').toString('utf8')
  const type = (judged.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded' && report.form) return report.form
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function compare(judged: HttpCommand, report: EchoReport): string[] {
  const out: string[] = []
  if (report.method !== judged.method) out.push(`method: judged ${judged.method}, ${report.parser} read ${report.method}`)
  if (report.path !== judged.path) out.push(`path: judged ${JSON.stringify(judged.path)}, ${report.parser} read ${JSON.stringify(report.path)} (raw ${JSON.stringify(report.raw_path)})`)
  if (!same(sortedQuery(report.query), sortedQuery(judged.query))) {
    out.push(`query: judged ${JSON.stringify(judged.query)}, ${report.parser} read ${JSON.stringify(report.query)} (raw ${JSON.stringify(report.raw_query)})`)
  }
  const names = new Set([...Object.keys(judged.headers), ...Object.keys(report.headers).filter((n) => WATCHED.test(n))])
  for (const name of names) {
    if (REFRAMED.has(name)) continue
    const values = report.headers[name]
    const read = SINGLE.test(name) ? values?.[0] : values?.join(', ')
    if (read !== judged.headers[name]) out.push(`header ${name}: judged ${JSON.stringify(judged.headers[name])}, ${report.parser} read ${JSON.stringify(read)}`)
  }
  if ('body' in judged && !same(upstreamBody(report, judged), judged.body)) {
    out.push(`body: judged ${JSON.stringify(judged.body).slice(0, 200)}, ${report.parser} read ${JSON.stringify(upstreamBody(report, judged)).slice(0, 200)}`)
  }
  if (!('body' in judged) && !('body_error' in judged) && report.body_base64 !== '') {
    out.push(`body: judged none, ${report.parser} read ${JSON.stringify(Buffer.from(report.body_base64, 'base64').toString('latin1')).slice(0, 200)}`)
  }
  return out
}
