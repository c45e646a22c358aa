// Attacks on MCP through the real gateway, eighth round (earlier: mcp-attack-7.test.ts): a denied file embedded where
// MCP does not put embedded resources (structuredContent, _meta, a JSON-RPC error's data under a field of the
// server's own), and a gzip blob carrying text after the member gunzip reads. Beside them, a client's everyday
// traffic (tools/list, tools/call, resources/read) still passes. The server is the SDK's low-level Server on
// 127.0.0.1 reading a file from the real disk; the client is the SDK's Client.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, ErrorCode, ListResourcesRequestSchema, ListToolsRequestSchema, McpError, ReadResourceRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { serveStateless } from './mcp/testing/server.ts'
import { startTestGateway } from './testing/gateway.ts'

const SECRET_DIR = mkdtempSync(join(tmpdir(), 'warden-secret8-'))
const CODE = 'launch-code-8813-hunter'
const SECRET_FILE = join(SECRET_DIR, 'deploy.env')
writeFileSync(SECRET_FILE, `LAUNCH_CODE=${CODE}\n`)
const secretUri = `file://${SECRET_FILE}`
const LOG = 'status=ok\nregion=eu-north-1\n'
const TRAILING = 'owner=jane.doe@example.com'

function build(): Server {
  const s = new Server({ name: 'files', version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } })
  const file = () => readFileSync(fileURLToPath(secretUri), 'utf8')
  const object = { type: 'object' as const }
  s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [
    { name: 'nested', description: 'The file in structured output', inputSchema: object, outputSchema: object },
    { name: 'meta', description: 'The file in _meta', inputSchema: object },
    { name: 'broken', description: 'Fails with the file in its data', inputSchema: object },
    { name: 'echo', description: 'Says hello', inputSchema: object },
  ] }))
  s.setRequestHandler(CallToolRequestSchema, async (r) => {
    const resource = { type: 'resource' as const, resource: { uri: secretUri, mimeType: 'text/plain', text: file() } }
    if (r.params.name === 'nested') return { content: [{ type: 'text' as const, text: 'done' }], structuredContent: { file: resource } }
    if (r.params.name === 'meta') return { content: [{ type: 'text' as const, text: 'done' }], _meta: { source: resource.resource } }
    if (r.params.name === 'broken') throw new McpError(ErrorCode.InternalError, 'could not parse the file', { details: { content: [resource] } })
    return { content: [{ type: 'text' as const, text: 'hello' }] }
  })
  s.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [{ uri: 'mem://logs/app.log.gz', name: 'app log' }] }))
  s.setRequestHandler(ReadResourceRequestSchema, async (r) => ({
    contents: [{ uri: r.params.uri, mimeType: 'application/gzip', blob: Buffer.concat([gzipSync(LOG), Buffer.from(`\0${TRAILING}\n`)]).toString('base64') }],
  }))
  return s
}

const served = await serveStateless(build)
const targets: TargetConfig[] = [
  { name: 'files-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'files' }, upstream_http: { url: new URL(served.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] } },
]
const g = await startTestGateway(() => targets, {
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: { tools: { allow: ['files/*'] }, resources: { deny: [`*/file://${SECRET_DIR}/*`] } } },
  // The log is read under the content detectors (the denied file's reads are left to the settings).
  override: (input) => (input.command.mcp?.method === 'resources/read' && input.command.mcp.uri?.startsWith('mem://')
    ? { effect: 'allow', reasons: [], obligations: { mask: [{ detector: 'all', rule: 'test.content' }] } }
    : undefined),
})
const token = await g.agentToken()

async function connect(): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${g.reverse.url}/t/files-mcp/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return client
}

test('everyday traffic passes: tools/list, tools/call and resources/read', async () => {
  const c = await connect()
  const tools = await c.listTools()
  assert.ok(tools.tools.some((t) => t.name === 'echo'), JSON.stringify(tools))
  const r = await c.callTool({ name: 'echo', arguments: {} })
  assert.equal(r.content, [{ type: 'text', text: 'hello' }])
  const read = await c.readResource({ uri: 'mem://logs/app.log.gz' })
  const blob = (read.contents[0] as { blob: string }).blob
  assert.is(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8'), LOG)
  await c.close()
})

test('a gzip blob is compressed again: the text after the member gunzip reads does not come back', async () => {
  const c = await connect()
  const read = await c.readResource({ uri: 'mem://logs/app.log.gz' })
  const bytes = Buffer.from((read.contents[0] as { blob: string }).blob, 'base64')
  assert.not.ok(bytes.toString('latin1').includes(TRAILING), bytes.toString('latin1'))
  await c.close()
})

test('a denied file embedded in structuredContent or _meta withholds the answer; in an error\'s data, the data and message go', async () => {
  const c = await connect()
  for (const name of ['nested', 'meta']) {
    const err = await c.callTool({ name, arguments: {} }).then((r) => JSON.stringify(r), (e: Error) => e)
    assert.ok(err instanceof Error, `${name}: ${String(err)}`)
    assert.not.match((err as Error).message, CODE)
  }
  const err = await c.callTool({ name: 'broken', arguments: {} }).then((r) => JSON.stringify(r), (e: McpError) => e)
  assert.ok(err instanceof McpError, String(err))
  assert.match((err as McpError).message, /error was withheld/)
  assert.not.ok(JSON.stringify((err as McpError).data ?? '').includes(CODE))
  await c.close()
})

test.after(async () => {
  await g.close()
  await served.close()
  rmSync(SECRET_DIR, { recursive: true, force: true })
})

test.run()
