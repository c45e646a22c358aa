// Case-insensitive name patterns with `*` as the only wildcard (any run of characters, including none).

// Compiling costs a few µs a pattern, and every masked result plans with the same few patterns (the policy's
// column rules): compiled patterns are kept. A RegExp without the g or y flag keeps no state between tests, so
// sharing one is the same as compiling it again.
const compiled = new Map<string, RegExp>()
const MAX_COMPILED = 1024

export function compileGlob(pattern: string): RegExp {
  let re = compiled.get(pattern)
  if (!re) {
    re = compile(pattern)
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!)
    compiled.set(pattern, re)
  }
  return re
}

function compile(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`, 'is')
}
