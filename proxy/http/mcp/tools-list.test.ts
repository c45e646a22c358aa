import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { McpError } from './errors.ts'
import { filterToolsList } from './tools-list.ts'

const result = { tools: [{ name: 'read_docs' }, { name: 'drop_database' }, { name: 'deploy' }], nextCursor: 'c2' }

test('only the tools the caller may call remain; other fields are kept; the input is not modified', () => {
  const seen: string[] = []
  const out = filterToolsList(result, (tool, state) => {
    seen.push(`${tool.name}:${state.status}`)
    return tool.name !== 'drop_database'
  }, { deploy: { status: 'changed', fingerprint: 'f' } })
  assert.equal(out.result, { tools: [{ name: 'read_docs' }, { name: 'deploy' }], nextCursor: 'c2' })
  assert.equal(out.removed, ['drop_database'])
  assert.equal(seen, ['read_docs:unseen', 'drop_database:unseen', 'deploy:changed'])
  assert.is(result.tools.length, 3)
})

test('a judge that throws removes the tool (fail closed)', () => {
  const out = filterToolsList(result, (tool) => {
    if (tool.name === 'deploy') throw new Error('engine down')
    return true
  })
  assert.equal(out.removed, ['deploy'])
})

test('a result that is not a tools list cannot be filtered: an error, not a pass-through', () => {
  for (const bad of [null, {}, { tools: 'x' }, { tools: [{ description: 'no name' }] }]) {
    assert.throws(() => filterToolsList(bad, () => true), (err: unknown) => err instanceof McpError && err.code === 'mcp.upstream_malformed')
  }
})

test.run()
