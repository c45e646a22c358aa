// The layering rules of DESIGN.md, checked over the source: proxy/ never imports cli/, and neither proxy/ nor
// engine/ runtime code imports build scripts.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { packageRoot } from './postgres/testing/paths.ts'

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name)
    if (e.isDirectory()) sources(path, out)
    else if (e.name.endsWith('.ts')) out.push(path)
  }
  return out
}

/** Every relative import of a file, resolved to a path inside the checkout. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)]
    .map((m) => relative(packageRoot, resolve(file, '..', m[1] ?? m[2]!)))
}

test('proxy/ imports nothing from cli/ (tests included)', () => {
  const bad = sources(join(packageRoot, 'proxy')).flatMap((f) => imports(f).filter((i) => i.startsWith('cli/')).map((i) => `${relative(packageRoot, f)} → ${i}`))
  assert.equal(bad, [])
})

test('runtime code in proxy/ and engine/ imports no build scripts', () => {
  const runtime = [...sources(join(packageRoot, 'proxy')), ...sources(join(packageRoot, 'engine'))]
    .filter((f) => !f.endsWith('.test.ts') && !f.includes('/testing/') && !f.endsWith('test-bundle.ts'))
  const bad = runtime.flatMap((f) => imports(f).filter((i) => i.startsWith('scripts/')).map((i) => `${relative(packageRoot, f)} → ${i}`))
  assert.equal(bad, [])
})

test.run()
