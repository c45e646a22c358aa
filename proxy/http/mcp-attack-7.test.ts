// Attacks on MCP through the real gateway, seventh round (earlier: mcp-attack.test.ts, mcp-attack-3…6.test.ts):
// a denied file embedded in a tool's result while the result carries the same text in another shape (structuredContent
// as lines, fields or base64; _meta; an error result's other items), a structured result masked by path whose
// content repeats it as JSON (and the other way round), a webhook URL whose host is written in
// another case, and a token in base64 wrapped over lines whose first and last lines also carry other text. The
// server is the SDK's low-level Server on 127.0.0.1 reading a file from the real disk; the client is the SDK's
// Client. Each test asserts the attack fails.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { serveStateless } from './mcp/testing/server.ts'
import { startTestGateway } from './testing/gateway.ts'

// A directory the settings deny, with an .env file in it, on the real disk.
const SECRET_DIR = mkdtempSync(join(tmpdir(), 'warden-secret-'))
const CODE = 'launch-code-7791-hunter'
const PASSWORD = 'Tr0ub4dor-correct-horse'
const SECRET_FILE = join(SECRET_DIR, 'deploy.env')
writeFileSync(SECRET_FILE, `LAUNCH_CODE=${CODE}\nDB_PASSWORD=${PASSWORD}\n`)
const secretUri = `file://${SECRET_FILE}`

// Assembled here so the source holds no literal token a secret scanner would flag.
const ALNUM = 'Zq7vB2xK9mN4pL6tR8wY3cF5hJ1dG0sAeUiOoQnWbTyVzXrMkPjHgDfSaLcE'
const run = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ALNUM[(from + i * 7) % ALNUM.length]).join('')
const SLACK_PATH = `T0${run(8, 1).toUpperCase()}/B0${run(9, 2).toUpperCase()}/${run(24, 4)}`
const DISCORD_SECRET = run(68, 3)
const GITHUB = 'ghp' + '_' + run(36)
const FORECAST = 'storm warning for the Oslofjord\nferries cancelled until Friday'

/** The server: stateless, its tools answer with the denied file embedded and repeated in another shape. */
function build(): Server {
  const s = new Server({ name: 'files', version: '1.0.0' }, { capabilities: { tools: {} } })
  const file = () => readFileSync(fileURLToPath(secretUri), 'utf8')
  const embedded = () => ({ type: 'resource' as const, resource: { uri: secretUri, mimeType: 'text/plain', text: file() } })
  const object = { type: 'object' as const }
  s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [
    { name: 'lines', description: 'The file as lines', inputSchema: object, outputSchema: { type: 'object' as const, properties: { lines: { type: 'array' } } } },
    { name: 'fields', description: 'The file as fields', inputSchema: object, outputSchema: object },
    { name: 'encoded', description: 'The file as base64', inputSchema: object, outputSchema: object },
    { name: 'failing', description: 'Fails, quoting the file', inputSchema: object },
    { name: 'hooks', description: 'Webhook settings', inputSchema: object },
    { name: 'wrapped', description: 'A config as base64', inputSchema: object },
    { name: 'forecast', description: 'Tells the weather', inputSchema: object, outputSchema: { type: 'object' as const, properties: { summary: { type: 'string' }, lines: { type: 'array' } } } },
    { name: 'report', description: 'A report', inputSchema: object, outputSchema: object },
  ] }))
  s.setRequestHandler(CallToolRequestSchema, async (r) => {
    if (r.params.name === 'forecast' || r.params.name === 'report') {
      // As the spec asks of a structured result: structuredContent, and the same as JSON in a text item.
      const structured = { summary: FORECAST, lines: FORECAST.split('\n') }
      return { content: [{ type: 'text' as const, text: JSON.stringify(structured) }], structuredContent: structured }
    }
    const text = file()
    const structured = r.params.name === 'lines' ? { lines: text.split('\n') }
      : r.params.name === 'fields' ? Object.fromEntries(text.trim().split('\n').map((l) => l.split('=')))
      : { data: Buffer.from(text).toString('base64') }
    if (['lines', 'fields', 'encoded'].includes(r.params.name)) {
      // As the SDK's McpServer writes a structured result: structuredContent, and the same as JSON text.
      return { content: [embedded(), { type: 'text' as const, text: JSON.stringify(structured) }], structuredContent: structured }
    }
    if (r.params.name === 'failing') {
      const b64 = Buffer.from(text).toString('base64').match(/.{1,16}/g)!.join('\n')
      return { content: [embedded(), { type: 'text' as const, text: `parse error at line 2 of:\n${b64}` }, { type: 'text' as const, text: `expected a number, got ${CODE}` }], isError: true, _meta: { lines: text.split('\n') } }
    }
    if (r.params.name === 'hooks') {
      return { content: [{ type: 'text' as const, text: `alerts: https://HOOKS.SLACK.COM/services/${SLACK_PATH}\nchat: https://Discord.com/api/webhooks/1234567890/${DISCORD_SECRET}` }] }
    }
    // A token across the first and the last line breaks of base64 that shares those lines with other text.
    const config = `# release pipeline settings, kept for the deploy job\nGH=${GITHUB}\nOWNER=platform-team\n`
    const lines = Buffer.from(config).toString('base64').match(/.{1,76}/g)!
    return { content: [{ type: 'text' as const, text: `config: ${lines.join('\n')} -- end of config` }] }
  })
  return s
}

const served = await serveStateless(build)
const targets: TargetConfig[] = [
  { name: 'files-mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'files' }, upstream_http: { url: new URL(served.url).origin, credential: { kind: 'bearer', token_env: 'MCP_UPSTREAM_TOKEN' }, hosts: [] } },
]
const g = await startTestGateway(() => targets, {
  env: { MCP_UPSTREAM_TOKEN: 'mcp-upstream-token' },
  settings: { mcp: { tools: { allow: ['files/*'] }, resources: { deny: [`*/file://${SECRET_DIR}/*`] } } },
  // Policies that mask one tool's structured result by path, and another's content, beside the content detectors.
  override: (input) => {
    const tool = input.command.mcp?.tool
    if (tool !== 'forecast' && tool !== 'report') return undefined
    const path = tool === 'forecast' ? 'result.structuredContent.summary' : 'result.content.*.text'
    return { effect: 'allow', reasons: [], obligations: { mask: [{ path, rule: 'test.path' }, { detector: 'all', rule: 'test.content' }] } }
  },
})
const token = await g.agentToken()

async function connect(): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${g.reverse.url}/t/files-mcp/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  await client.listTools()
  return client
}

/** Every string in a value, its keys too, and each as a client may read it back: base64 (wrapped or not) decoded. */
function readable(v: unknown): string {
  const out: string[] = []
  const walk = (x: unknown) => {
    if (typeof x === 'string') out.push(x, Buffer.from(x.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1'))
    else if (Array.isArray(x)) x.forEach(walk)
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) out.push(k), walk(y)
  }
  walk(v)
  for (const s of [...out]) for (const part of s.split(/\s+/)) out.push(Buffer.from(part, 'base64').toString('latin1'))
  return out.join('\n')
}

test('a tool result whose structuredContent holds the denied file as lines, fields or base64 is withheld whole, as an error result', async () => {
  const c = await connect()
  for (const name of ['lines', 'fields', 'encoded']) {
    const r = await c.callTool({ name, arguments: {} })
    const seen = readable(r)
    for (const secret of [CODE, PASSWORD, SECRET_DIR]) assert.not.ok(seen.includes(secret), `${name}: ${JSON.stringify(r)}`)
    assert.is(r.isError, true, name)
    assert.equal(r.structuredContent, undefined, name)
    assert.match((r.content as Array<{ text: string }>)[0]!.text, /result was withheld/)
  }
  await c.close()
})

test('an error result repeating the denied file in wrapped base64, in a line of its own and in _meta keeps nothing of it', async () => {
  const c = await connect()
  const r = await c.callTool({ name: 'failing', arguments: {} })
  const seen = readable(r)
  for (const secret of [CODE, PASSWORD, SECRET_DIR]) assert.not.ok(seen.includes(secret), JSON.stringify(r))
  assert.is(r.isError, true)
  assert.equal(r._meta, undefined)
  assert.ok((r.content as Array<{ text: string }>).every((i) => /embedded resource was withheld/.test(i.text)), JSON.stringify(r))
  await c.close()
})

test('a structured result masked by path is masked in the content that repeats it as JSON, and the other way round', async () => {
  const c = await connect()
  for (const name of ['forecast', 'report']) {
    const r = await c.callTool({ name, arguments: {} })
    const seen = readable(r)
    for (const line of FORECAST.split('\n')) assert.not.ok(seen.includes(line), `${name}: ${JSON.stringify(r)}`)
    assert.not.ok(seen.includes('Oslofjord'), `${name}: ${JSON.stringify(r)}`)
  }
  await c.close()
})

test('webhook URLs whose host is written in another case are masked', async () => {
  const c = await connect()
  const r = JSON.stringify(await c.callTool({ name: 'hooks', arguments: {} }))
  assert.not.ok(r.includes(SLACK_PATH.split('/')[2]!), r)
  assert.not.ok(r.includes(DISCORD_SECRET), r)
  assert.ok(r.includes('HOOKS.SLACK.COM') && r.includes('Discord.com'), r)
  await c.close()
})

test('a token in base64 wrapped over lines whose first and last lines carry other text is masked', async () => {
  const c = await connect()
  const r = await c.callTool({ name: 'wrapped', arguments: {} })
  const text = (r.content as Array<{ text: string }>)[0]!.text
  assert.ok(text.startsWith('config: ') && text.endsWith(' -- end of config'), text)
  // As a reader takes it: the lines between the other text, joined and decoded.
  const joined = Buffer.from(text.slice('config: '.length, -' -- end of config'.length).replace(/\s+/g, ''), 'base64').toString('latin1')
  assert.not.ok(joined.includes(GITHUB) || readable(r).includes(GITHUB), text)
  await c.close()
})

test.after(async () => {
  await g.close()
  await served.close()
  rmSync(SECRET_DIR, { recursive: true, force: true })
})

test.run()
