// A minimal MCP gateway for tests, until the HTTP core (proxy/http, branch http-gateway) routes mcp targets:
// it calls the helpers of proxy/http/mcp and the real engine exactly as the core should, and nothing more
// (no TLS, no upstream credential, no request canonicalization, one target). Read it as the reference flow:
//
//   1. authenticate the bearer JWT; one session per token
//   2. clientJudgeRequest(session, raw request, registry) → judgeAndHold(engine, …)
//   3. not allowed → jsonRpcDenial / jsonRpcHeldTimeout (a JSON-RPC error, not an HTTP one)
//      allowed after approval of a changed tool → registry.accept(server, tool, fingerprint)
//   4. forward the body as judged (forwardedBody); the answer goes through processJsonBody (application/json) or createStreamProcessor (SSE),
//      with the decision's masks, engineCanCall for tools/list, and engine-judged server requests;
//      postBack errors are POSTed to the server in the same MCP session
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TargetConfig } from '../../../../engine/config/types.ts'
import type { GatewayEngine, SessionState } from '../../../../engine/gateway.ts'
import { judgeAndHold } from '../../../../engine/hold.ts'
import type { ToolRegistry } from '../fingerprint.ts'
import { jsonRpcDenial, jsonRpcHeldTimeout, type McpReply } from '../jsonrpc-reply.ts'
import { clientJudgeRequest, forwardedBody, mcpServerId, mcpSummary, serverJudgeRequest } from '../request.ts'
import { createStreamProcessor, type McpResponseContext, processJsonBody, type ProcessedMessages } from '../response.ts'
import { engineCanCall } from '../tools-list.ts'

export interface PassThroughOptions {
  engine: GatewayEngine
  target: TargetConfig
  /** The MCP server's endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  upstream: string
  registry: ToolRegistry
  holdSeconds: number
  maskKey: Uint8Array
}

export interface PassThrough {
  url: string
  /** What happened, for assertions: denied server requests, tools removed or changed, post-backs sent. */
  events: string[]
  close(): Promise<void>
}

const FORWARDED = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']

function send(res: ServerResponse, reply: McpReply) {
  res.writeHead(reply.status, reply.headers).end(reply.body)
}

export async function startPassThrough(opts: PassThroughOptions): Promise<PassThrough> {
  const { engine, registry } = opts
  const events: string[] = []
  const server = mcpServerId(opts.target)

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    let identity
    try {
      identity = await engine.authenticate(token ?? '')
    } catch (err) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }))
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = chunks.length ? Buffer.concat(chunks) : undefined
    const session: SessionState = { id: `mcp-${createHash('sha256').update(token!).digest('hex').slice(0, 16)}`, started_at: new Date().toISOString(), identity, target: opts.target }
    const headers: Record<string, string> = {}
    for (const name of FORWARDED) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string
    const request = { method: req.method ?? 'GET', url: opts.upstream, headers, body }
    const decisionId = `dec_${randomUUID()}`

    const outcome = await judgeAndHold(engine, await clientJudgeRequest(session, request, registry), {
      holdMs: opts.holdSeconds * 1000,
      summary: mcpSummary(opts.target, request),
      onHeld: (held) => events.push(`held ${held.id}`),
    })
    const mcp = outcome.judgement.input.command?.mcp
    if (!outcome.allow) {
      const details = { id: mcp?.id, decision: outcome.judgement.decision, decisionId, accept: headers.accept, parseError: mcp?.parse_error }
      events.push(`refused ${mcp?.method ?? request.method} ${mcp?.tool ?? ''}`.trim())
      send(res, outcome.why === 'denied' || !outcome.approvalId
        ? jsonRpcDenial(details)
        : jsonRpcHeldTimeout({ ...details, approvalId: outcome.approvalId, why: outcome.why, holdSeconds: opts.holdSeconds }))
      return
    }
    if (outcome.approvalId && mcp?.tool_changed && mcp.tool && mcp.tool_fingerprint) {
      if (await registry.accept(mcp.server, mcp.tool, mcp.tool_fingerprint)) events.push(`accepted ${mcp.tool}`)
    }

    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const upstream = await fetch(opts.upstream, { method: request.method, headers, body: request.method === 'POST' ? forwardedBody(request) : undefined, signal: abort.signal })
    const out: Record<string, string> = {}
    for (const name of ['content-type', 'mcp-session-id', 'cache-control']) {
      const v = upstream.headers.get(name)
      if (v !== null) out[name] = v
    }
    const ctx: McpResponseContext = {
      server,
      request: mcp,
      masks: outcome.judgement.decision.obligations.mask,
      maskKey: opts.maskKey,
      registry,
      canCall: engineCanCall(engine, session, opts.upstream),
      judgeServerRequest(message) {
        const j = engine.judge(serverJudgeRequest(session, opts.upstream, message))
        return { allow: j.decision.effect === 'allow', decision: j.decision, decisionId: `dec_${randomUUID()}` }
      },
    }
    const note = (p: ProcessedMessages) => {
      for (const d of p.denied) events.push(`denied server request ${d.method}`)
      for (const t of p.removedTools) events.push(`removed tool ${t}`)
      for (const t of p.changedTools) events.push(`changed tool ${t}`)
      for (const message of p.postBack) {
        const postHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(out['mcp-session-id'] || headers['mcp-session-id'] ? { 'mcp-session-id': out['mcp-session-id'] ?? headers['mcp-session-id']! } : {}), ...(headers['mcp-protocol-version'] ? { 'mcp-protocol-version': headers['mcp-protocol-version'] } : {}) }
        void fetch(opts.upstream, { method: 'POST', headers: postHeaders, body: JSON.stringify(message) }).then((r) => { events.push(`posted back ${r.status}`); return r.arrayBuffer() })
      }
    }
    const type = (out['content-type'] ?? '').split(';', 1)[0]!.trim()
    if (type === 'application/json') {
      const processed = await processJsonBody(ctx, await upstream.text())
      note(processed)
      res.writeHead(upstream.status, out).end(processed.forward)
      return
    }
    if (type !== 'text/event-stream' || !upstream.body) {
      res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()))
      return
    }
    const processor = createStreamProcessor(ctx)
    res.writeHead(upstream.status, out)
    const decoder = new TextDecoder()
    try {
      for await (const chunk of upstream.body) {
        const processed = await processor.push(decoder.decode(chunk as Uint8Array, { stream: true }))
        note(processed)
        if (processed.forward) res.write(processed.forward)
      }
      const last = await processor.end()
      note(last)
      res.end(last.forward)
    } catch (err) {
      if (!abort.signal.aborted) events.push(`stream ended: ${(err as Error).message}`)
      res.destroy()
    }
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      events.push(`error: ${err.message}`)
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }))
      else res.destroy()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    events,
    close: async () => {
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
