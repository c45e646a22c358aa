// Sends raw requests through the HTTP gateway (reverse mode, and MITM inside a CONNECT tunnel) to the echo
// upstreams, and sets what each upstream read beside what the gateway judged (the input document's
// command.http, captured at the decider). Every request is allowed by the test decider: what matters here is
// what is forwarded, not what the policy makes of it.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { HttpCommand, InputDocument } from '../../engine/types.ts'
import { startTestGateway, type TestGateway } from '../../proxy/http/testing/gateway.ts'
import type { DiffCase } from './cases.ts'
import { compare } from './compare.ts'
import { type Echo, type EchoReport, startGoEcho, startNodeEcho, startWerkzeugEcho, type Unavailable } from './echoes.ts'

export type Mode = 'reverse' | 'forward'

/** The modes a case runs in. */
export const modesOf = (c: DiffCase): Mode[] => (c.kind === 'gcp' ? ['reverse'] : ['reverse', 'forward'])

export interface Outcome {
  case: string
  mode: Mode
  parser: EchoReport['parser']
  status: number
  /** The gateway's error code when it refused the request. */
  error?: string
  report?: EchoReport
  judged?: HttpCommand
  /** Where the upstream read something other than what was judged (empty when it agreed or nothing was forwarded). */
  mismatches: string[]
}

export interface DiffRig {
  echoes: Echo[]
  unavailable: Unavailable[]
  gateway: TestGateway
  run(c: DiffCase, mode: Mode, parser: EchoReport['parser']): Promise<Outcome>
  close(): Promise<void>
}

/** 'finding', 'unexpected' or undefined for an outcome as its case expects. */
export function verdict(expect: DiffCase['expect'], o: Outcome): 'finding' | 'unexpected' | undefined {
  if (o.mismatches.length) return 'finding'
  if (expect === 'refused' && o.report) return 'unexpected'
  if (expect === 'agree' && !o.report) return 'unexpected'
  return undefined
}

const hostOf = (parser: string) => `${parser}.echo.test`

/** Splits a raw HTTP/1.1 response; a chunked body is de-chunked. */
function parseResponse(raw: Buffer): { status: number; body: string } {
  // Interim answers (100 Continue) go before the final one.
  const text = raw.toString('latin1').replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '')
  const end = text.indexOf('\r\n\r\n')
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: 0, body: text }
  const head = text.slice(0, end)
  let body = text.slice(end + 4)
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let out = ''
    for (let i = 0; ;) {
      const nl = body.indexOf('\r\n', i)
      const size = parseInt(body.slice(i, nl), 16)
      if (!(size > 0)) break
      out += body.slice(nl + 2, nl + 2 + size)
      i = nl + 2 + size + 2
    }
    body = out
  }
  return { status: Number(text.slice(9, 12)), body: Buffer.from(body, 'latin1').toString('utf8') }
}

function collect(socket: NodeJS.ReadWriteStream & { destroy(): void }, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks)) }, timeoutMs)
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', () => undefined)
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)) })
  })
}

export async function startDiffRig(): Promise<DiffRig> {
  const started = await Promise.all([startGoEcho(), startWerkzeugEcho(), startNodeEcho()])
  const echoes = started.filter((e): e is Echo => 'url' in e)
  const unavailable = started.filter((e): e is Unavailable => 'reason' in e)
  const judged = new Map<string, HttpCommand>()
  const gateway = await startTestGateway(() => echoes.flatMap((e) => [{
    name: e.parser, kind: 'http', environment: 'staging', labels: {},
    upstream_http: { url: e.url, credential: { kind: 'bearer', token_env: 'ECHO_TOKEN' }, hosts: [hostOf(e.parser)] },
  }, {
    name: `${e.parser}-gcs`, kind: 'gcp', environment: 'staging', labels: {},
    upstream_http: { url: e.url, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'ECHO_TOKEN' }, hosts: [] },
  }]), {
    env: { ECHO_TOKEN: 'echo-upstream-token' },
    override: (input: InputDocument) => {
      const id = input.command.http?.headers?.['x-request-id']
      if (id && input.command.http) judged.set(id, input.command.http)
      return { effect: 'allow', reasons: [], obligations: { mask: [] } }
    },
  })
  const token = await gateway.agentToken()
  const ca = readFileSync(gateway.ca.cert)
  let serial = 0

  async function exchange(mode: Mode, parser: string, request: string): Promise<Buffer> {
    if (mode === 'reverse') {
      const s = connect(gateway.reverse.address.port, '127.0.0.1', () => s.write(Buffer.from(request, 'latin1')))
      return collect(s, 10_000)
    }
    const authority = `${hostOf(parser)}:443`
    const raw = connect(gateway.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    const head = await new Promise<string>((resolve) => {
      raw.once('data', (d: Buffer) => resolve(d.toString('latin1')))
      raw.once('error', (err) => resolve(`(error: ${err.message})`))
    })
    if (!head.startsWith('HTTP/1.1 200')) return Buffer.from(head, 'latin1')
    const tls = tlsConnect({ socket: raw, ca, servername: hostOf(parser) }, () => tls.write(Buffer.from(request, 'latin1')))
    return collect(tls, 10_000)
  }

  return {
    echoes, unavailable, gateway,
    async run(c, mode, parser) {
      const id = `diff-${process.pid}-${++serial}`
      if (c.kind === 'gcp' && mode !== 'reverse') throw new Error(`${c.name}: Cloud Storage cases run in reverse mode only`)
      const prefix = mode === 'reverse' ? `/t/${parser}${c.kind === 'gcp' ? '-gcs' : ''}` : ''
      const authority = mode === 'reverse' ? '127.0.0.1' : hostOf(parser)
      const auth = mode === 'reverse' ? `Authorization: Bearer ${token}\r\n` : ''
      const line = c.line ? c.line({ prefix, authority }) : `${c.method ?? 'GET'} ${prefix}${c.target} HTTP/1.1`
      const host = c.host === undefined ? `Host: ${authority}\r\n` : c.host.map((h) => `Host: ${h.replace('$AUTHORITY', authority)}\r\n`).join('')
      const extra = (c.headers ?? []).map((h) => `${h}\r\n`).join('')
      const body = c.body ?? ''
      const request = `${line}\r\n${host}${auth}X-Request-Id: ${id}\r\n${extra}Connection: close\r\n\r\n${body}`
      const answer = parseResponse(await exchange(mode, parser, request))
      let report: EchoReport | undefined
      let error: string | undefined
      try {
        const parsed = JSON.parse(answer.body) as Record<string, unknown>
        if (typeof parsed.parser === 'string' && answer.status === 200) report = parsed as unknown as EchoReport
        else if (typeof parsed.error === 'string') error = parsed.error
      } catch {
        error = answer.body.slice(0, 200)
      }
      const input = judged.get(id)
      judged.delete(id)
      const mismatches = report ? (input ? compare(input, report) : ['forwarded, but no judged input was captured for it']) : []
      return { case: c.name, mode, parser: parser as EchoReport['parser'], status: answer.status, ...(error !== undefined && { error }), ...(report && { report }), ...(input && { judged: input }), mismatches }
    },
    async close() {
      await gateway.close()
      await Promise.all(echoes.map((e) => e.stop()))
    },
  }
}
