// Texts to compare the two parsers on: SQL-looking string literals of the PostgreSQL tests and policy fixtures,
// and generated texts that put each word newer grammars know in every position.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const START = /^\s*(select|insert|update|delete|with|merge|values|table|copy|create|alter|drop|do|explain|prepare|execute|call|grant|revoke|set|show|begin|commit|truncate|lock|listen|notify|declare|fetch|comment|analyze|vacuum|reset|discard)\b/i

function literals(source: string): string[] {
  const out: string[] = []
  for (const m of source.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? ''
    if (raw.includes('${')) continue
    let text: string
    try {
      text = JSON.parse(`"${raw.replace(/\\'/g, "'").replace(/\\`/g, '`').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    } catch {
      continue
    }
    if (START.test(text)) out.push(text)
  }
  return out
}

function yamlSql(source: string): string[] {
  const out: string[] = []
  for (const m of source.matchAll(/^\s*-?\s*sql:\s*(.+)$/gm)) {
    let v = (m[1] ?? '').trim()
    if (v.startsWith('"')) { try { v = JSON.parse(v) } catch { continue } } else if (v.startsWith("'")) v = v.slice(1, -1).replace(/''/g, "'")
    if (START.test(v)) out.push(v)
  }
  return out
}

const files = (dir: string, ext: string) => readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => join(dir, f))

/** Words PostgreSQL 16-18 made keywords, or whose category changed. */
export const NEWER_WORDS = [
  'system_user', 'json', 'json_array', 'json_arrayagg', 'json_object', 'json_objectagg', 'json_scalar', 'json_serialize',
  'json_value', 'json_query', 'json_exists', 'json_table', 'merge_action', 'absent', 'keys', 'scalar', 'format',
  'conditional', 'empty', 'error', 'keep', 'nested', 'omit', 'path', 'plan', 'quotes', 'source', 'string', 'target',
  'unconditional', 'enforced', 'objects', 'period', 'virtual', 'old', 'new', 'wrapper', 'unique', 'value', 'at', 'local',
  'overlaps', 'without', 'columns', 'ordinality', 'matched', 'returning', 'by', 'uescape',
]

function generated(): string[] {
  const out: string[] = []
  for (const w of NEWER_WORDS) {
    out.push(
      `SELECT ${w}`, `SELECT ${w}()`, `SELECT ${w}(1)`, `SELECT ${w}('a')`, `SELECT ${w}(id) FROM users`, `SELECT id ${w} FROM users`,
      `SELECT id AS ${w} FROM users`, `SELECT 1 ${w}`, `SELECT ${w} FROM users`, `SELECT ${w}.id FROM users ${w}`, `SELECT * FROM users ${w}`,
      `SELECT * FROM ${w}`, `SELECT * FROM public.${w}`, `SELECT * FROM ${w}()`, `SELECT '1'::${w}`, `SELECT CAST('1' AS ${w})`, `SELECT ${w} '1'`,
      `SELECT users.${w} FROM users`, `SELECT (users).${w} FROM users`, `SELECT id FROM users WHERE id = ${w}`, `SELECT id FROM users WHERE ${w}`,
      `SELECT id FROM users ORDER BY ${w}`, `SELECT id FROM users GROUP BY ${w}`, `SELECT count(*) OVER ${w} FROM users WINDOW ${w} AS ()`,
      `SELECT * FROM users AS ${w}(a, b)`, `SELECT * FROM (SELECT 1) ${w}`, `WITH ${w} AS (SELECT 1) SELECT * FROM ${w}`,
      `UPDATE users SET email = email RETURNING ${w}`, `UPDATE users SET email = email RETURNING ${w}.*`, `UPDATE users SET email = email RETURNING ${w}.email`,
      `DELETE FROM users RETURNING ${w}.email`, `INSERT INTO users (email) VALUES ('x') RETURNING ${w}.email`, `UPDATE users ${w} SET email = ${w}.email RETURNING ${w}.email`,
      `INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET email = ${w}.email`, `INSERT INTO users AS ${w} (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET email = ${w}.email RETURNING ${w}.email`,
      `MERGE INTO users u USING users ${w} ON u.id = ${w}.id WHEN MATCHED THEN UPDATE SET email = ${w}.email`,
      `COPY users TO STDOUT (${w})`, `COPY users TO STDOUT (${w} 1)`, `COPY users TO STDOUT WITH ${w}`, `SELECT ${w} ${w} FROM users ${w}`,
      `SELECT ${w}(x) FROM (SELECT 1 x) s`, `SELECT x IS ${w} FROM (SELECT 1 x) s`, `SELECT x ${w} FROM (SELECT 1 x) s`,
      `SELECT pg_catalog.${w}('a')`, `SELECT 1 FROM users WHERE email = ANY(${w})`, `SELECT ${w}[1]`, `SELECT ${w}.${w}`,
      `SELECT ${w}(*) FROM users`, `SELECT ${w}(DISTINCT id) FROM users`, `SELECT ${w}(id ORDER BY id) FROM users`,
      `SELECT x AT ${w} FROM (SELECT now() x) s`, `SELECT ${w} AT LOCAL`, `SELECT 1 FOR ${w}`, `VALUES (${w})`, `TABLE ${w}`,
      `SELECT ${w} FROM users WHERE ${w} IS NOT NULL`, `SELECT * FROM users, LATERAL ${w}(id)`, `SELECT * FROM ROWS FROM (${w}(1))`,
    )
  }
  // What old and new name in a write, with a FROM item, the target's alias or nothing called so.
  for (const w of ['old', 'new']) {
    out.push(
      `UPDATE users SET plan = users.plan FROM (SELECT id, card_number AS email FROM users) ${w} WHERE ${w}.id = users.id RETURNING ${w}.email`,
      `UPDATE users SET plan = users.plan FROM users ${w} WHERE ${w}.id = users.id RETURNING ${w}.email, ${w}.id`,
      `UPDATE users ${w} SET plan = plan RETURNING ${w}.email`,
      `UPDATE users SET plan = plan RETURNING ${w}.email`,
      `DELETE FROM users USING (SELECT id, phone AS email FROM users) ${w} WHERE ${w}.id = users.id RETURNING ${w}.email`,
      `DELETE FROM users USING orders o JOIN (SELECT id, phone AS email FROM users) ${w} ON true WHERE false RETURNING ${w}.email`,
      `INSERT INTO users (id, name) SELECT 1, 'x' RETURNING ${w}.email`,
      `WITH u AS (UPDATE users SET plan = users.plan FROM users ${w} WHERE ${w}.id = users.id RETURNING ${w}.phone) SELECT * FROM u`,
    )
  }
  return out
}

export function corpus(root: string): string[] {
  const texts = new Set<string>()
  for (const dir of ['proxy/postgres', 'engine/normalize/sql', 'engine/normalize', 'proxy/postgres/testing']) {
    for (const f of files(join(root, dir), '.ts')) for (const t of literals(readFileSync(f, 'utf8'))) texts.add(t)
  }
  for (const f of files(join(root, 'testdata/policies'), '.yaml')) for (const t of yamlSql(readFileSync(f, 'utf8'))) texts.add(t)
  for (const t of generated()) texts.add(t)
  return [...texts]
}
