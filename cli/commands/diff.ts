// warden diff --base GIT_REF|BUNDLE [--corpus audit|fixtures|FILE]…: what a policy change decides differently
// on recorded inputs, and whether it relaxes anything nobody acknowledged.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type Acknowledgement, indexAcknowledgements, parseAcknowledgements } from '../../engine/diff/acknowledge.ts'
import { loadSqlParsers } from '../../engine/normalize/index.ts'
import { sqlitePathOf } from '../../proxy/server/audit-trail.ts'
import { parseFlags, withUsage } from '../args.ts'
import { AUDIT_FLAGS, AUDIT_USAGE, openAuditReader } from '../audit-source.ts'
import { loadCommandConfig } from '../command-config.ts'
import { auditCorpus, type CorpusReader, fileCorpus, fixtureCorpus } from '../diff/corpus.ts'
import { formatDiffGithub } from '../diff/format-github.ts'
import { formatDiffJunit } from '../diff/format-junit.ts'
import { formatDiffText } from '../diff/format-text.ts'
import { basePolicy, headPolicy, withWorkDir } from '../diff/policies.ts'
import { progressBar } from '../diff/progress.ts'
import { type DiffReport, runDiff } from '../diff/report.ts'
import { type ExitCode, type Io, UsageError } from '../io.ts'
import { opaBinary, PolicyBuildError } from '../policy.ts'
import { since } from './audit-sessions.ts'

const usage = `usage: warden diff --base GIT_REF|BUNDLE [--corpus audit|fixtures|FILE]… [--format text|json|junit|github]
                   [--acknowledged FILE] [--since TIME] [--target NAME] [--jobs auto|N] [--admin URL]

Builds the base policy (a bundle file as is, or policy.source as it was at the git ref, extracted with
git archive) and the working tree's policy, replays recorded input documents through both, and lists every
flipped decision (allow→deny, deny→allow, approve→allow, mask lost or weakened, approval widened …) grouped
by change, rule and target, with an example each.

  --base REF|FILE     a git ref (HEAD~1, origin/main, a commit) or a bundle.tar.gz
  --corpus WHAT       repeatable. fixtures: the fixture files under testdata/ and the policy source;
                      audit: the judged requests of the audit trail (redacted, rebuilt: see README),
                      from the store, or with --admin URL from a running gateway;
                      FILE: input documents as JSON, or JSON lines (OPA decision-log lines too).
                      Default: fixtures, plus audit when the state directory has a trail (or --admin).
  --acknowledged FILE reviewed relaxations (default: diff-acknowledged.yaml in the policy source)
  --since, --target   which audit records to replay (as in warden audit sessions)
  --jobs auto|N       worker threads (0: inline; auto: one per core past a few thousand inputs)
  --format FORMAT     text (default), json, junit, or github (workflow-command annotations)

Exit 0 when nothing was relaxed or every relaxation is acknowledged, 1 on an unacknowledged relaxation
(anything becoming allow, deny→approve, a mask lost or weakened, an approval widened), 2 on a usage,
config or compile error.
${AUDIT_USAGE}
`

const FORMATS: Record<string, (r: DiffReport) => string> = {
  text: formatDiffText,
  json: (r) => `${JSON.stringify(r, null, 2)}\n`,
  junit: formatDiffJunit,
  github: formatDiffGithub,
}

async function acknowledgements(file: string | undefined, source: string | undefined, cwd: string): Promise<Acknowledgement[]> {
  const path = file !== undefined ? resolve(cwd, file) : source ? join(source, 'diff-acknowledged.yaml') : undefined
  if (!path || (file === undefined && !existsSync(path))) return []
  const text = await readFile(path, 'utf8').catch((err: Error) => {
    throw new UsageError('usage.acknowledged', `read --acknowledged ${file}: ${err.message}`, { cause: err })
  })
  return parseAcknowledgements(text, path)
}

export async function runDiffCommand(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, {
      ...AUDIT_FLAGS,
      base: { type: 'string' }, corpus: { type: 'string', multiple: true }, format: { type: 'string', default: 'text' },
      acknowledged: { type: 'string' }, since: { type: 'string' }, target: { type: 'string' }, jobs: { type: 'string' },
    }, usage)
    if (values.help) { io.out(usage); return 0 }
    const format = FORMATS[values.format as string]
    if (!format) throw new UsageError('usage.format', `--format must be text, json, junit or github; got ${JSON.stringify(values.format)}`)
    if (!values.base) throw new UsageError('usage.base', `--base is required: a git ref (HEAD~1, origin/main) or a bundle file\n\n${usage}`)
    const { config } = await loadCommandConfig(values, io)
    const filter = { since: since(values.since as string | undefined), target: values.target as string | undefined }
    const acks = indexAcknowledgements(await acknowledgements(values.acknowledged as string | undefined, config.policy.source, io.cwd))

    const trail = values.admin !== undefined || config.audit.store === 'postgres' || (config.audit.store === 'sqlite' && existsSync(sqlitePathOf(config)))
    const wanted = (values.corpus as string[] | undefined) ?? ['fixtures', ...(trail ? ['audit'] : [])]
    const corpora: CorpusReader[] = wanted.map((c) =>
      c === 'fixtures' ? fixtureCorpus(config, io.cwd)
        : c === 'audit' ? auditCorpus(config, () => openAuditReader(values, io), filter)
          : fileCorpus(resolve(io.cwd, c), io.cwd))
    await loadSqlParsers()

    return withWorkDir(async (work) => {
      let base, head
      try {
        ;[base, head] = await Promise.all([basePolicy(values.base as string, config, io.cwd, opaBinary, work), headPolicy(config, io.cwd, opaBinary, work)])
      } catch (err) {
        if (err instanceof PolicyBuildError) { io.err(`${err.message}\n`); return 2 }
        throw err
      }
      const progress = progressBar(io, 'warden diff: replaying')
      const report = await runDiff({
        base: base.label,
        head: head.label,
        corpora,
        acknowledgements: acks,
        jobs: values.jobs as string | undefined,
        replay: { base: base.bundle, head: head.bundle, memoryPages: config.policy.memory_pages, settings: config.policy.settings, onProgress: progress.update },
      }).finally(() => progress.end())
      io.out(format(report))
      return report.failed ? 1 : 0
    })
  })
}
