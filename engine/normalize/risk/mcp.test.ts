import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { McpCommand } from '../../types.ts'
import { mcpRisk } from './mcp.ts'

const msg = (fields: Partial<McpCommand>): McpCommand => ({ server: 's', direction: 'client', kind: 'request', ...fields })

test('the score table: discovery low, reads, tool calls, changed tools, server requests, parse errors', () => {
  assert.equal(mcpRisk(msg({ method: 'tools/list' })), { level: 'low', score: 10, reasons: ['discovery: tools/list'] })
  assert.is(mcpRisk(msg({ kind: 'notification', method: 'notifications/initialized' })).score, 5)
  assert.is(mcpRisk(msg({ method: 'resources/read', uri: 'x' })).score, 20)
  assert.equal(mcpRisk(msg({ method: 'tools/call', tool: 't', tool_status: 'recorded' })), { level: 'medium', score: 45, reasons: ['runs tool t on s'] })
  assert.is(mcpRisk(msg({ method: 'tools/call', tool: 't', tool_status: 'unseen' })).score, 50)
  assert.equal(mcpRisk(msg({ method: 'tools/call', tool: 't', tool_status: 'changed' })).level, 'critical')
  assert.is(mcpRisk(msg({ direction: 'server', method: 'sampling/createMessage' })).score, 60)
  assert.is(mcpRisk(msg({ method: 'admin/x' })).score, 50)
  const bad = mcpRisk(msg({ parse_error: 'batch' }))
  assert.is(bad.score, 60)
  assert.ok(bad.reasons.includes('not a well-formed MCP message: batch'))
})

test.run()
