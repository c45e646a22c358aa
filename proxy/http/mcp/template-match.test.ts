import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cpuTimed } from '../../../engine/testing/cpu-time.ts'
import { matchesTemplate } from './template-match.ts'

test('a URI matches a template when its literal parts appear in order, whatever the expressions hold', () => {
  for (const [template, uri] of [
    ['file:///docs/{name}', 'file:///docs/guide.md'],
    ['file:///docs/{name}', 'file:///docs/'],
    ['file:///{a}/{b}{?q}', 'file:///x/y?q=1'],
    ['db://customers/{id}/orders{/rest*}', 'db://customers/7/orders/1/2'],
    ['file:///docs/{+path}', 'file:///docs/a/../../etc/shadow'],
    ['mem://{x}', 'MEM://ANY'],
    // The read's URI is canonical, percent-encoded; the template as the server wrote it.
    ['file:///my docs/{name}', 'file:///my%20docs/x.md'],
    ['file:///d\u00e9p\u00f4t/{name}', 'file:///d%C3%A9p%C3%B4t/x'],
    ['file:///my%20docs/{name}', 'file:///my%20docs/x.md'],
  ]) assert.ok(matchesTemplate(template!, uri!), `${template} ${uri}`)
  for (const [template, uri] of [
    ['file:///docs/{name}', 'file:///etc/shadow'],
    ['file:///docs/{name}.md', 'file:///docs/guide.txt'],
    ['db://customers/{id}/orders', 'db://customers/7'],
    ['file:///docs/index.md', 'file:///docs/index.md'],
    ['a{x}bb', 'ab'],
  ]) assert.not.ok(matchesTemplate(template!, uri!), `${template} ${uri}`)
})

test('bounded time on adversarial templates and URIs', () => {
  const template = 'a' + '{x}a'.repeat(2000) + 'b'
  const uri = 'a'.repeat(100_000)
  const { value, cpuMs } = cpuTimed(() => matchesTemplate(template, uri))
  assert.is(value, false)
  assert.ok(cpuMs < 200, `${cpuMs} ms`)
})

test.run()
