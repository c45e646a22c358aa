import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { compileRules } from './rules.ts'
import { splitSources } from './sources.ts'

const pod = { source: 'kubernetes_pod_secrets', rule: 'warden.rules.kubernetes.pod_log_secrets' }

test('source obligations are split from the others, each source once', () => {
  const detector = { detector: 'all', rule: 'r' }
  const split = splitSources([detector, pod, { ...pod }])
  assert.equal(split.sources, ['kubernetes_pod_secrets'])
  assert.equal(split.rest, [detector])
  assert.equal(split.rules, ['warden.rules.kubernetes.pod_log_secrets'])
  const none = [detector]
  assert.is(splitSources(none).rest, none, 'a list without sources is handed on as it is')
})

test('an unknown source, or a source beside another target, is refused', () => {
  assert.throws(() => splitSources([{ source: 'kubernetes_configmaps' }]), (e: unknown) => e instanceof MaskError && /unknown source/.test(e.message))
  assert.throws(() => splitSources([{ source: 'kubernetes_pod_secrets', path: 'a' }]), (e: unknown) => e instanceof MaskError && /exactly one/.test(e.message))
})

test('a source obligation that reaches a masker was not looked up: compileRules refuses it rather than skip it', () => {
  assert.throws(() => compileRules([{ detector: 'all' }, pod]), (e: unknown) => e instanceof MaskError && /does not look up/.test(e.message))
})

test.run()
