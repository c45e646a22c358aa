// The statements of the protocol diff (protocol-diff.test.ts): the project's SQL corpora (allowed, never allowed,
// masking leaks), the SQL of the policy fixtures for the production target, the leak sweep's base reads of the
// seed, and reads of the seed's secrets with a literal in them (which the extended ways move into $1).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseCorpus } from '../../../engine/adversarial-corpus.ts'
import { parseFixtures } from '../../../engine/fixtures/load.ts'
import { loadMaskingCorpus } from './masking-corpus.ts'
import { baseReads } from './leak-sweep-statements.ts'
import { packageRoot } from './paths.ts'
import type { DiffStatement } from './protocol-diff-run.ts'

/** Reads of seeded secrets where a literal (then a parameter) shapes what comes back. */
export const LITERAL_READS = [
  "SELECT k.label, k.password FROM credentials k WHERE k.label = 'ci deploy'",
  "SELECT k.password || '' FROM credentials k",
  "SELECT concat(k.api_key, '!') FROM credentials k",
  "SELECT format('%s', k.password) FROM credentials k",
  "SELECT coalesce('none', k.password) FROM credentials k",
  "SELECT coalesce(k.client_secret, 'none') FROM credentials k",
  "SELECT translate(c.ssn, '0123456789', 'abcdefghij') FROM customers c",
  "SELECT replace(k.password, '-', '') FROM credentials k",
  "SELECT CASE WHEN k.label = 'ci deploy' THEN k.access_token ELSE 'x' END FROM credentials k",
  "SELECT split_part(c.email, '@', 1) FROM customers c",
  "SELECT regexp_replace(k.password, 'a', 'b') FROM credentials k",
  "SELECT p.prefs -> 'db' FROM profiles p",
  "SELECT p.prefs #>> '{db,password}' FROM profiles p",
  "SELECT jsonb_extract_path_text(p.prefs, 'api_key') FROM profiles p",
  "SELECT p.settings ->> 'password' FROM profiles p",
  "SELECT to_char(1, 'FM9') || k.password FROM credentials k",
  "SELECT k.password FROM credentials k WHERE k.password LIKE '%'",
  "SELECT 'x' AS k, u.email FROM users u",
  "SELECT u.email FROM users u WHERE u.name = 'Ada Lovelace'",
  "SELECT overlay(k.password placing '' from 1 for 0) FROM credentials k",
  "SELECT jsonb_build_object('note', k.password) FROM credentials k",
  "SELECT to_jsonb(k) - 'label' FROM credentials k",
  "SELECT json_object_agg('k', k.api_key) FROM credentials k",
  "SELECT row_to_json(k)::jsonb ->> 'password' FROM credentials k",
  "SELECT k.password FROM credentials k WHERE k.password ~ '^M'",
  "SELECT encode(convert_to(k.password, 'UTF8'), 'base64') FROM credentials k",
  "SELECT (SELECT string_agg(x, '') FROM regexp_split_to_table(k.password, '') x) FROM credentials k",
  "SELECT lpad(k.password, 30, '*') FROM credentials k",
  "SELECT substring(k.password from 'M(.*)') FROM credentials k",
  'SELECT k.password COLLATE "C" FROM credentials k WHERE k.label = \'backup\'',
  "SELECT set_config('application_name', 'x', false)",
  "SELECT to_tsvector('simple', k.password) FROM credentials k",
  "SELECT json_build_array('a', c.ssn) FROM customers c",
  "SELECT ROW('x', k.password)::text FROM credentials k",
]

function corpus(name: string): DiffStatement[] {
  const file = join(packageRoot, 'testdata', 'corpora', `${name}.yaml`)
  // An entry that needs statements prepared earlier in its session has no single text to send every way.
  return parseCorpus(readFileSync(file, 'utf8'), `${name}.yaml`).flatMap((e, i) => (e.prepared ? [] : [{ source: `${name} #${i + 1}`, sql: e.sql }]))
}

function fixtures(): DiffStatement[] {
  const dir = join(packageRoot, 'testdata', 'policies')
  return readdirSync(dir).filter((f) => /^sql-.*\.yaml$/.test(f)).sort().flatMap((f) =>
    parseFixtures(readFileSync(join(dir, f), 'utf8'), f)
      .filter((c) => c.sql !== undefined && c.target === 'prod-db' && !c.prepared && !c.session && c.identity?.groups?.includes('agents') && c.identity.kind !== 'human')
      .map((c) => ({ source: `${f} #${c.index}`, sql: c.sql! })))
}

/** Every statement once (the first source that has it names it). */
export function diffStatements(): DiffStatement[] {
  const all = [
    ...corpus('sql-allowed'),
    ...corpus('sql-never-allowed'),
    ...loadMaskingCorpus().map((e) => ({ source: `masking ${e.name}`, sql: e.sql })),
    ...fixtures(),
    ...baseReads().map((r) => ({ source: `leak sweep base read: ${r.name}`, sql: r.sql })),
    ...LITERAL_READS.map((sql, i) => ({ source: `literal read #${i + 1}`, sql })),
  ]
  const seen = new Set<string>()
  return all.filter((s) => !seen.has(s.sql) && (seen.add(s.sql), true))
}
