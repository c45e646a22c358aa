// A hostile MCP server for tests: streamable HTTP on 127.0.0.1, written by hand because the SDK's server will
// not send what an attacker's server sends (a response to an id the client never used, a secret in a progress
// token or in a request id, a server request on any stream). It speaks enough of the protocol for the SDK client
// and raw POSTs: initialize (JSON, with an Mcp-Session-Id), notifications and client responses (202, recorded in
// `posted`), any other request answered as an event stream of `script(request)` followed by `answer(request)`;
// a GET stream carries `stream` then ends. `raw` writes a POST's event stream byte for byte. Every request that reaches it is recorded in `calls`.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export type RpcMessage = Record<string, unknown>

export interface HostileMcpServer {
  url: string
  /** `method name-or-uri` of each client request that reached the server. */
  calls: string[]
  /** Notifications and responses the client (or the gateway's post-back) sent. */
  posted: RpcMessage[]
  /** Messages written on a POST's event stream before its answer. */
  script: (request: RpcMessage) => RpcMessage[]
  /** The answer's result (an `error` key makes it an error answer). */
  answer: (request: RpcMessage) => RpcMessage
  /** When it gives text, the POST's whole event stream, as written (framing attacks). */
  raw: (request: RpcMessage) => string | undefined
  /** Extra headers of every POST's event stream answer (over the defaults). */
  headers: Record<string, string>
  /** What initialize's session ids start with. */
  sessionPrefix: string
  /** Messages of the GET stream. */
  stream: RpcMessage[]
  close(): Promise<void>
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const sse = (messages: RpcMessage[]) => messages.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join('')

export async function startHostileMcpServer(): Promise<HostileMcpServer> {
  let sessions = 0
  const state: HostileMcpServer = {
    url: '', calls: [], posted: [], script: () => [], raw: () => undefined, headers: {}, sessionPrefix: 'hostile-', answer: () => ({ content: [{ type: 'text', text: 'ok' }] }), stream: [], close: async () => {},
  }
  const http = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        res.end(sse(state.stream))
        return
      }
      if (req.method === 'DELETE') return void res.writeHead(200).end()
      const message = JSON.parse(await body(req)) as RpcMessage
      if (message.method === 'initialize') {
        const result = { protocolVersion: (message.params as RpcMessage).protocolVersion, capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} }, serverInfo: { name: 'hostile', version: '1.0.0' } }
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `${state.sessionPrefix}${++sessions}` })
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }))
        return
      }
      if (!Object.hasOwn(message, 'id') || !Object.hasOwn(message, 'method')) {
        state.posted.push(message)
        return void res.writeHead(202).end()
      }
      const params = (message.params ?? {}) as RpcMessage
      state.calls.push(`${message.method as string} ${String(params.name ?? params.uri ?? '')}`.trim())
      const answer = state.answer(message)
      const reply = Object.hasOwn(answer, 'error') ? { jsonrpc: '2.0', id: message.id, error: answer.error } : { jsonrpc: '2.0', id: message.id, result: answer }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...state.headers })
      res.end(state.raw(message) ?? sse([...state.script(message), reply]))
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message)
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
  state.close = async () => {
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }
  return state
}
