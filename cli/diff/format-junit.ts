// `warden diff --format junit`: one test case per flip group; an unacknowledged relaxation is a failure,
// everything else passes (its example in system-out), so CI test views list what changed.
import type { FlipGroup } from '../../engine/diff/group.ts'
import { escape } from '../output/junit.ts'
import { groupLabel, plural } from './format-text.ts'
import type { DiffReport } from './report.ts'

function testCase(g: FlipGroup): string {
  const name = `${g.change} ${g.rules.join(', ') || '(no rule named)'}`
  const example = [
    `${plural(g.count, 'input')}${g.acknowledged ? `, ${g.acknowledged} acknowledged` : ''}`,
    ...(g.example.detail ? [g.example.detail] : []),
    `e.g. ${g.example.command}`,
    [g.example.identity, g.example.origin].filter(Boolean).join(' · '),
    ...g.acknowledgements.map((a) => `acknowledged: ${a}`),
  ].join('\n')
  const open = `    <testcase classname="warden.diff.${escape(g.target)}" name="${escape(name)}"`
  if (groupLabel(g) === 'RELAXES') {
    return `${open}><failure message="${escape(`${name} on ${g.target}: a relaxation nobody acknowledged (${plural(g.count - g.acknowledged, 'input')})`)}">${escape(example)}</failure></testcase>`
  }
  return `${open}><system-out>${escape(example)}</system-out></testcase>`
}

export function formatDiffJunit(report: DiffReport): string {
  const cases = report.groups.length ? report.groups.map(testCase) : [`    <testcase classname="warden.diff" name="every input is decided the same way"/>`]
  const failures = report.groups.filter((g) => groupLabel(g) === 'RELAXES').length
  const suite = `  <testsuite name="${escape(`warden diff: ${report.base} → ${report.head}`)}" tests="${cases.length}" failures="${failures}" time="${report.seconds.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n${suite}\n</testsuites>\n`
}
