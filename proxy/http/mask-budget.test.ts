import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMaskBudget } from './mask-budget.ts'

test('a requester holds at most half the budget, whatever it asks; another is served beside it', () => {
  const budget = createMaskBudget(100)
  const a = budget.of('issuer\u0000agent')
  assert.is(a.take(50), true)
  assert.is(a.take(1), false)
  assert.is(budget.of('issuer\u0000agent').take(1), false, 'the same requester asking again is the same share')
  assert.is(budget.of('issuer\u0000other').take(50), false, 'not into the last quarter past a fair share')
  assert.is(budget.of('issuer\u0000other').take(33), true)
  assert.is(budget.used, 83)
})

/** Takes one byte at a time for `name` until refused; the bytes it got. */
const greedy = (budget: ReturnType<typeof createMaskBudget>, name: string) => {
  let n = 0
  while (budget.of(name).take(1)) n++
  return n
}

test('two requesters taking all they may leave the last quarter to the sessions holding nothing', () => {
  const budget = createMaskBudget(100)
  assert.is(greedy(budget, 'i\u0000a'), 50)
  // Past three quarters, the second may reach a third of the whole (a fair share among it, the first and one more).
  assert.is(greedy(budget, 'i\u0000b'), 33)
  assert.is(budget.of('i\u0000a').take(1), false)
  const third = greedy(budget, 'i\u0000c')
  assert.is(third, 17, 'a third requester is served what is left')
  assert.is(budget.used, 100)
})

test('requesters taking in turns stop at the reserve; a newcomer takes from it up to its fair share, in as many parts as it likes', () => {
  const budget = createMaskBudget(100)
  const [a, b] = [budget.of('i\u0000a'), budget.of('i\u0000b')]
  for (let more = true; more; ) {
    const tookA = a.take(1)
    const tookB = b.take(1)
    more = tookA || tookB
  }
  assert.equal([a.used, b.used, budget.used], [38, 37, 75])
  assert.is(greedy(budget, 'i\u0000c'), 25)
  budget.of('i\u0000c').give(25)
  // One large answer of a newcomer: a fair share of the whole, whatever the others hold.
  assert.is(budget.of('i\u0000d').take(26), false)
  assert.is(budget.of('i\u0000d').take(25), true)
})

test('under any interleaving of takes and gives the whole equals the sum of the shares, none is negative, none is left once all is given back', () => {
  const total = 1000
  const budget = createMaskBudget(total)
  const names = ['i\u0000a', 'i\u0000b', 'j\u0000a', `i\u0000${'s'.repeat(100_000)}`]
  const held: Array<{ name: string; n: number }> = []
  let seed = 7
  const random = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k
  for (let step = 0; step < 20_000; step++) {
    if (held.length && random(2) === 0) {
      const [h] = held.splice(random(held.length), 1)
      budget.of(h!.name).give(h!.n)
    } else {
      const name = names[random(names.length)]!
      const n = random(300)
      if (budget.of(name).take(n)) held.push({ name, n })
    }
    const shares = names.map((name) => budget.of(name).used)
    for (const [i, s] of shares.entries()) {
      assert.ok(s >= 0 && s <= total / 2, `${names[i]!.slice(0, 8)}: ${s}`)
      assert.is(s, held.filter((h) => h.name === names[i]).reduce((sum, h) => sum + h.n, 0))
    }
    assert.is(budget.used, shares.reduce((a, b) => a + b, 0))
    assert.ok(budget.used <= total)
  }
  for (const h of held.splice(0)) budget.of(h.name).give(h.n)
  assert.is(budget.used, 0)
  for (const name of names) assert.is(budget.of(name).used, 0)
})

test.run()
