// A real MCP server for tests: @modelcontextprotocol/sdk's McpServer over StreamableHTTPServerTransport on
// 127.0.0.1, stateful (one transport per Mcp-Session-Id). Its tools:
//   read_docs      allowed by the test settings; its description is read when a session starts, so a test
//                  can change it between sessions (a "rug pull")
//   drop_database  denied by the test settings
//   deploy         held by the test settings
//   lookup_user    answers with an email address (masked by the gateway)
//   summarize      asks the client for an LLM completion (sampling/createMessage) and reports what came back
//   forecast       structured output: its title and the description of its output field are read when a
//                  session starts (changed by tests); it answers with an email address in structuredContent and
//                  in an embedded resource's base64 blob
//   file:///etc/app/secrets.env  a resource (reads are recorded in `calls` as `read <uri>`)
// With `resumable`, the server keeps an event store (Last-Event-ID resumption) and primes every stream; with
// `resumable: 'shared'`, one store serves every session (as a server keeping its events in one database does).
// Every call that reaches the server is recorded in `calls`, and every request's headers in `requests`.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'

export interface TestMcpServer {
  url: string
  calls: string[]
  /** Method and headers of each HTTP request received (what the gateway forwards). */
  requests: Array<{ method: string; headers: IncomingHttpHeaders }>
  /** The read_docs tool's description for sessions that start from now on. */
  docsDescription: string
  /** forecast's title and the description of its output field, for sessions that start from now on. */
  forecastTitle: string
  forecastOutputNote: string
  close(): Promise<void>
}

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

function buildServer(state: TestMcpServer): McpServer {
  const server = new McpServer({ name: 'warden-test-mcp', version: '1.0.0' })
  server.registerTool('read_docs', { description: state.docsDescription, inputSchema: { topic: z.string() } }, ({ topic }) => {
    state.calls.push(`read_docs ${topic}`)
    return text(`Documentation for ${topic}: run warden up.`)
  })
  server.registerTool('drop_database', { description: 'Drops a database', inputSchema: { name: z.string() } }, ({ name }) => {
    state.calls.push(`drop_database ${name}`)
    return text(`dropped ${name}`)
  })
  server.registerTool('deploy', { description: 'Deploys a service to production', inputSchema: { service: z.string() } }, ({ service }) => {
    state.calls.push(`deploy ${service}`)
    return text(`deployed ${service}`)
  })
  server.registerTool('lookup_user', { description: 'Looks a user up by id', inputSchema: { id: z.number() } }, ({ id }) => {
    state.calls.push(`lookup_user ${id}`)
    return text(`user ${id}: Jane Doe <jane.doe@example.com>`)
  })
  server.registerTool('summarize', { description: 'Summarizes text with the client\'s model', inputSchema: { text: z.string() } }, async ({ text: input }) => {
    state.calls.push('summarize')
    try {
      const answer = await server.server.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${input}` } }], maxTokens: 50 })
      return text(`sampled: ${JSON.stringify(answer.content)}`)
    } catch (err) {
      return text(`sampling refused: ${(err as Error).message}`)
    }
  })
  server.registerTool('forecast', {
    title: state.forecastTitle,
    description: 'Tells the weather',
    inputSchema: { city: z.string() },
    outputSchema: { summary: z.string().describe(state.forecastOutputNote) },
  }, ({ city }) => {
    state.calls.push(`forecast ${city}`)
    const summary = `sunny in ${city}; questions to jane.doe@example.com`
    return {
      content: [
        { type: 'text' as const, text: 'see the attached report' },
        { type: 'resource' as const, resource: { uri: 'mem://report', mimeType: 'text/plain', blob: Buffer.from(summary).toString('base64') } },
      ],
      structuredContent: { summary },
    }
  })
  server.registerResource('app-secrets', 'file:///etc/app/secrets.env', { mimeType: 'text/plain' }, (uri) => {
    state.calls.push(`read ${uri.href}`)
    return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'API_TOKEN=not-a-real-token' }] }
  })
  return server
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const body = Buffer.concat(chunks).toString('utf8')
  return body === '' ? undefined : JSON.parse(body)
}

export async function startTestMcpServer(opts: { resumable?: boolean | 'shared' } = {}): Promise<TestMcpServer> {
  const shared = opts.resumable === 'shared' ? new InMemoryEventStore() : undefined
  const transports = new Map<string, StreamableHTTPServerTransport>()
  const state: TestMcpServer = { url: '', calls: [], requests: [], docsDescription: 'Reads the product documentation', forecastTitle: 'Weather', forecastOutputNote: 'The forecast', close: async () => {} }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    state.requests.push({ method: req.method ?? '', headers: req.headers })
    const sessionId = req.headers['mcp-session-id']
    const body = req.method === 'POST' ? await readJson(req) : undefined
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined
    if (!transport && req.method === 'POST' && isInitializeRequest(body)) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        ...(opts.resumable ? { eventStore: shared ?? new InMemoryEventStore() } : {}),
        onsessioninitialized: (id) => { transports.set(id, created) },
      })
      created.onclose = () => { if (created.sessionId) transports.delete(created.sessionId) }
      await buildServer(state).connect(created)
      transport = created
    }
    if (!transport) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no valid session' } }))
      return
    }
    await transport.handleRequest(req, res, body)
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message)
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
  state.close = async () => {
    await Promise.all([...transports.values()].map((t) => t.close()))
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }
  return state
}

/** What serveStateless runs: an SDK server (McpServer or the low-level Server), connected to one transport. */
interface Connectable {
  connect(transport: StreamableHTTPServerTransport): Promise<void>
  close(): Promise<void>
}

/**
 * A stateless MCP server over streamable HTTP on 127.0.0.1: `build` makes a server for each request, which is
 * closed with its transport when the response ends.
 */
export async function serveStateless(build: () => Connectable): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    void (async () => {
      const server = build()
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
      res.on('close', () => { void transport.close(); void server.close() })
      await server.connect(transport)
      await transport.handleRequest(req, res)
    })().catch((err: Error) => { if (!res.headersSent) res.writeHead(500).end(err.message) })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => { http.closeAllConnections(); await new Promise<void>((r) => http.close(() => r())) },
  }
}
