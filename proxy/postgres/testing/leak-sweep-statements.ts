// Statements for the leak sweep (leak-sweep.test.ts), generated from the server's own catalog rather than picked
// by hand: every pg_catalog function, aggregate and window function that takes a text, bytea, json(b) or integer
// argument, applied to the masked columns of the seed (seed-leaks.ts) in the select list, in WHERE (or HAVING), in
// ORDER BY and in a scalar subquery; every type a text can be cast to; and a base sample of reads wrapped as
// EXPLAIN, CTE, VALUES, UNION, LATERAL, cursor, PREPARE, COPY, RETURNING and the extended protocol.
// Functions that would end sessions, touch files, replication or the server's configuration, or sleep are
// left out: the sweep runs on a shared test cluster, and the gateway's refusal of them is reviewed elsewhere.

/** One row of FUNCTIONS_SQL. */
export interface CatalogFunction {
  name: string
  /** f (function), a (aggregate), w (window). */
  kind: string
  /** Argument types as format_type spells them ('text', 'character varying', '"any"'). */
  args: string[]
  variadic: boolean
  /** n (normal), o (ordered-set), h (hypothetical); null unless an aggregate. */
  aggkind: string | null
  directArgs: number
}

export const FUNCTIONS_SQL = `
SELECT p.proname AS name, p.prokind AS kind,
  array(SELECT format_type(t.oid, NULL) FROM unnest(p.proargtypes) WITH ORDINALITY a(oid, n) JOIN pg_type t ON t.oid = a.oid ORDER BY a.n) AS args,
  p.provariadic <> 0 AS variadic, a.aggkind, coalesce(a.aggnumdirectargs, 0)::int AS "directArgs"
FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind IN ('f', 'a', 'w') AND p.pronargs <= 4
  AND p.prorettype NOT IN ('internal'::regtype, 'trigger'::regtype, 'event_trigger'::regtype, 'language_handler'::regtype,
    'fdw_handler'::regtype, 'index_am_handler'::regtype, 'table_am_handler'::regtype, 'tsm_handler'::regtype, 'void'::regtype)
ORDER BY p.proname, p.oid`

/** Every type of pg_catalog a text can be cast to by its input function (pg_cast's text casts included). */
export const CAST_TYPES_SQL = `
SELECT format_type(t.oid, NULL) AS name FROM pg_type t
WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typisdefined AND t.typtype IN ('b', 'd', 'e', 'r', 'm')
  AND t.typname NOT LIKE 'pg\\_%' AND t.typname NOT LIKE '\\_pg\\_%' AND t.oid NOT IN ('unknown'::regtype, 'cstring'::regtype)
UNION SELECT format_type(c.casttarget, NULL) FROM pg_cast c WHERE c.castsource = 'text'::regtype
ORDER BY 1`

/** Left out of the sweep: side effects on the cluster or other sessions, files, replication, sleeping. */
const EXCLUDED = /^(pg_sleep|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_promote|pg_switch_wal|pg_create_|pg_drop_|pg_replication_|pg_logical_|pg_stat_reset|pg_backup_|pg_log_backend|pg_import_system|pg_wal_replay|pg_file|pg_read|pg_ls_|pg_stat_file|binary_upgrade_|lo_|be_lo|pg_advisory|pg_try_advisory|set_config|pg_notify|pg_current_logfile|pg_copy_|brin_|gin_clean|pg_xact|txid_|pg_nextoid|pg_sequence|setval|nextval)/

/** A masked source: the columns (as SQL) it gives, and the FROM clause they come from. */
interface Source {
  /** Named in each statement's source, e.g. "on redacted columns". */
  label: string
  from: string
  columns: string[]
  /** A column to group the rows by, one group a row. */
  key: string
  /** A known leak its statements may show: reported, not failed. */
  residual?: string
}

const TEXT_FROM = 'credentials k JOIN customers c ON c.id = k.customer_id JOIN users u ON u.id = c.id'
/**
 * The masked text columns of seed.ts and seed-leaks.ts, in two row sources by how the default policy masks them:
 * a column masked whole may only be returned as it is, counted or looked up, so any computation on one refuses
 * the statement; columns masked partially (the last four characters kept) may be transformed, redacted whole.
 * Apart, a refusal for one group does not hide what the other gives back.
 */
export const REDACTED_SOURCE: Source = { label: 'redacted columns', from: TEXT_FROM, key: 'k.id', columns: ['k.password', 'k.api_key', 'k.access_token', 'k.client_secret', 'c.ssn'] }
export const PARTIAL_SOURCE: Source = { label: 'partial columns', from: TEXT_FROM, key: 'k.id', columns: ['c.email', 'c.card_number', 'c.phone', 'u.email', 'u.phone', 'u.card_number'] }
/** The same values through the seed's views, under harmless names (masks follow the origin, not the name). */
const VIEW_FROM = 'customer_directory d JOIN user_directory v ON v.id = d.id'
const VIEW_REDACTED: Source = { label: 'redacted columns through views', from: VIEW_FROM, key: 'd.id', columns: ['d.tax_ref', 'd.credential', 'd.passphrase'] }
const VIEW_PARTIAL: Source = { label: 'partial columns through views', from: VIEW_FROM, key: 'd.id', columns: ['d.handle', 'v.contact', 'v.reach', 'v.pan'] }
const TEXT_SOURCES = [REDACTED_SOURCE, PARTIAL_SOURCE]
const VIEW_SOURCES = [VIEW_REDACTED, VIEW_PARTIAL]
/** Both groups in one statement, for arguments that can carry a character at most (integers) or a cast of one. */
const ALL_TEXT: Source = { label: 'all text columns', from: TEXT_FROM, key: 'k.id', columns: [...REDACTED_SOURCE.columns, ...PARTIAL_SOURCE.columns] }
/** The documents read as text (prefs::text): a string function then sees the keys and values together. */
const DOCUMENT_TEXT: Source = { label: 'documents as text', from: 'profiles p', key: 'p.id', columns: ['p.prefs::text', 'p.settings::text'] }
/**
 * A key read (prefs->>'db') is masked by the key's name; when its value is itself an object, a transform of it
 * (reverse(prefs->>'db')) gives the values under its own keys back. Left as it is: treating every key read as a
 * possible document would refuse transforms of every JSON field (upper(payload->>'status')) where masks apply.
 */
const SUB_TEXT: Source = {
  label: 'sub-documents as text', from: 'profiles p', key: 'p.id', columns: ["p.prefs->>'db'"],
  residual: 'a transform of an object read by its key (reverse(prefs->>\'db\')) is not masked by the keys inside it',
}
const SUB_JSONB: Source = { label: 'sub-documents', from: 'profiles p', key: 'p.id', columns: ["p.prefs->'db'"] }
const JSONB_SOURCE: Source = { label: 'jsonb documents', from: 'profiles p', key: 'p.id', columns: ['p.prefs'] }
/** A composite column whose fields are named like sensitive columns (vault_entry: label, secret, password). */
const COMPOSITE_SOURCE: Source = { label: 'composite values', from: 'profiles p', key: 'p.id', columns: ['p.vault'] }
const JSON_SOURCE: Source = { label: 'json documents', from: 'profiles p', key: 'p.id', columns: ['p.settings'] }

/** How a masked text column is passed as an argument of each type (null: the type takes no masked value). */
function maskedAs(type: string): ((col: string) => string) | undefined {
  switch (type) {
    case 'text': case '"any"': case 'anyelement': case 'anynonarray': case 'anycompatible': case 'anycompatiblenonarray':
      return (c) => c
    case 'character varying': return (c) => `${c}::varchar`
    case 'character': return (c) => `${c}::bpchar`
    case 'name': return (c) => `${c}::name`
    case 'bytea': return (c) => `convert_to(${c}, 'UTF8')`
    case 'integer': return (c) => `ascii(${c})`
    case 'bigint': return (c) => `ascii(${c})::int8`
    case 'smallint': return (c) => `ascii(${c})::int2`
    case 'text[]': case 'anyarray': case 'anycompatiblearray': return (c) => `ARRAY[${c}]`
    default: return undefined
  }
}

/** A harmless value of each type, for the arguments that are not the masked one. */
const LITERALS: Record<string, string> = {
  text: `'a'::text`, '"any"': `'a'::text`, anyelement: `'a'::text`, anynonarray: `'a'::text`, anycompatible: `'a'::text`,
  anycompatiblenonarray: `'a'::text`, 'character varying': `'a'::varchar`, character: `'a'::bpchar`, name: `'a'::name`,
  '"char"': `'a'::"char"`, integer: '1', bigint: '1::int8', smallint: '1::int2', numeric: '1::numeric', 'double precision': '0.5::float8',
  real: '0.5::float4', boolean: 'true', bytea: `'\\x61'::bytea`, jsonb: `'{"a": 1}'::jsonb`, json: `'{"a": 1}'::json`,
  jsonpath: `'$'::jsonpath`, 'text[]': `'{a}'::text[]`, 'integer[]': `'{1}'::int[]`, anyarray: `'{a}'::text[]`, anycompatiblearray: `'{a}'::text[]`,
  regconfig: `'simple'::regconfig`, tsquery: `'a'::tsquery`, tsvector: `'a'::tsvector`, interval: `'1 day'::interval`,
  date: `'2020-01-01'::date`, 'timestamp with time zone': `'2020-01-01'::timestamptz`, 'timestamp without time zone': `'2020-01-01'::timestamp`,
}

export type Position = 'select' | 'where' | 'order-by' | 'subquery' | 'window'

export interface SweepStatement {
  /** What generated it, e.g. "function upper(text) #1 in where". */
  source: string
  /** Simple Query texts sent in order (a cursor or a transaction is several). */
  texts: string[]
  /** Sent by Parse/Bind/Execute instead: one text, its parameters and the result format. */
  extended?: { params: string[]; binary: boolean }
  /** A known leak it may show (Source.residual). */
  residual?: string
}

const signature = (f: CatalogFunction) => `${f.name}(${f.args.join(', ')})`

/** A function's name as called: quoted, so that names SQL reads as keywords (position, char, extract) are calls too. */
const callee = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Argument types that carry a masked value whole, tried on each group in every position; the rest (an integer made
 * of one character, a cast of the column to another string type) are tried once, in the select list, on both groups.
 */
const WHOLE = new Set(['text', '"any"', 'anyelement', 'anynonarray', 'anycompatible', 'anycompatiblenonarray', 'bytea', 'text[]', 'anyarray', 'anycompatiblearray'])

/** The calls of `f` with one argument masked, over the columns of the source that argument's type takes. */
interface Call {
  arg: number
  source: Source
  call: (col: string) => string
  /** Tried in the select list only. */
  selectOnly: boolean
}

function calls(f: CatalogFunction): Call[] {
  const out: Call[] = []
  const literals = f.args.map((t) => LITERALS[t])
  f.args.forEach((type, i) => {
    if (f.aggkind && f.aggkind !== 'n' && i < f.directArgs) return
    if (f.args.some((t, j) => j !== i && literals[j] === undefined)) return
    const sources: [Source, (c: string) => string][] = []
    const m = maskedAs(type)
    if (m && WHOLE.has(type)) for (const source of [...TEXT_SOURCES, ...VIEW_SOURCES, DOCUMENT_TEXT, SUB_TEXT]) sources.push([source, m])
    else if (m) sources.push([ALL_TEXT, m])
    // The documents go where a jsonb or json value fits: as themselves, or in an array for an array argument.
    const whole = m?.('x') === 'x'
    if (type === 'jsonb' || (whole && type !== 'text')) sources.push([JSONB_SOURCE, (c) => c], [SUB_JSONB, (c) => c])
    if (whole && type !== 'text') sources.push([COMPOSITE_SOURCE, (c) => c])
    if (type === 'json') sources.push([JSON_SOURCE, (c) => c])
    if (type === 'anyarray' || type === 'anycompatiblearray') sources.push([JSONB_SOURCE, (c) => `ARRAY[${c}]`])
    for (const [source, as] of sources) {
      const args = (col: string) => f.args.map((_, j) => (j === i ? as(col) : literals[j]!))
      // Views, documents and narrow argument types: the select list, where values and errors come back.
      const selectOnly = source === ALL_TEXT || source === DOCUMENT_TEXT || source === SUB_TEXT || source === SUB_JSONB || VIEW_SOURCES.includes(source)
      if (f.aggkind === 'o' || f.aggkind === 'h') {
        const direct = f.aggkind === 'h' ? 1 : f.directArgs
        const d = f.aggkind === 'h' ? [literals[0]!] : f.args.slice(0, direct).map((_, j) => literals[j]!)
        out.push({ arg: i, source, selectOnly, call: (c) => `${callee(f.name)}(${d.join(', ')}) WITHIN GROUP (ORDER BY ${as(c)})` })
      } else {
        out.push({ arg: i, source, selectOnly, call: (c) => `${callee(f.name)}(${args(c).join(', ')})` })
      }
    }
  })
  return out
}

function positions(source: Source, expr: (col: string) => string, kind: 'scalar' | 'aggregate' | 'window'): [Position, string][] {
  const cols = source.columns.map(expr)
  const list = cols.join(', ')
  if (kind === 'window') return [['window', `SELECT ${list} FROM ${source.from}`]]
  const sub = cols.map((e) => `(SELECT ${e} FROM ${source.from} LIMIT 1)`).join(', ')
  if (kind === 'aggregate') {
    return [
      ['select', `SELECT ${list} FROM ${source.from}`],
      ['where', `SELECT count(*) FROM ${source.from} HAVING ${cols.map((e) => `${e} IS NOT NULL`).join(' OR ')}`],
      ['order-by', `SELECT 1 FROM ${source.from} GROUP BY ${source.key} ORDER BY ${list}`],
      ['subquery', `SELECT ${sub}`],
      ['window', `SELECT ${cols.map((e) => `${e} OVER ()`).join(', ')} FROM ${source.from}`],
    ]
  }
  return [
    ['select', `SELECT ${list} FROM ${source.from}`],
    ['where', `SELECT 1 FROM ${source.from} WHERE ${cols.map((e) => `(${e}) IS NOT NULL`).join(' AND ')}`],
    ['order-by', `SELECT 1 FROM ${source.from} ORDER BY ${list}`],
    ['subquery', `SELECT ${sub}`],
  ]
}

export interface Catalog {
  functions: CatalogFunction[]
  castTypes: string[]
}

export interface Sweep {
  statements: SweepStatement[]
  /** Catalog functions not applicable (no argument takes a masked value, or another argument has no sample value). */
  skipped: number
  /** Functions left out on purpose (EXCLUDED). */
  excluded: number
}

/** Functions, aggregates, window functions and casts applied to every masked column in every position. */
export function catalogStatements(catalog: Catalog): Sweep {
  const statements: SweepStatement[] = []
  let skipped = 0
  let excluded = 0
  for (const f of catalog.functions) {
    if (EXCLUDED.test(f.name)) {
      excluded++
      continue
    }
    const kind = f.kind === 'w' ? 'window' : f.kind === 'a' ? 'aggregate' : 'scalar'
    if (f.kind === 'w' && f.args.length === 0) {
      for (const t of TEXT_SOURCES) statements.push({ source: `window ${signature(f)} ordered by ${t.label}`, texts: [`SELECT ${t.columns.map((c) => `${callee(f.name)}() OVER (ORDER BY ${c})`).join(', ')} FROM ${t.from}`] })
      continue
    }
    const cs = calls(f)
    if (!cs.length) {
      skipped++
      continue
    }
    for (const { arg, source, call, selectOnly } of cs) {
      const expr = kind === 'window' ? (c: string) => `${call(c)} OVER (ORDER BY ${c})` : call
      for (const [position, sql] of positions(source, expr, kind)) {
        if (selectOnly && position !== 'select' && position !== 'window') continue
        const label = `${f.kind === 'a' ? 'aggregate' : kind === 'window' ? 'window' : 'function'} ${signature(f)} arg ${arg + 1} on ${source.label} in ${position}`
        statements.push({ source: label, texts: [sql], ...(source.residual ? { residual: source.residual } : {}) })
      }
    }
  }
  // A cast fails on the first value its type cannot read: in the select list and in WHERE, where the error would
  // carry that value; ORDER BY and a subquery evaluate it the same way.
  for (const type of catalog.castTypes) {
    for (const t of TEXT_SOURCES) {
      for (const [position, sql] of positions(t, (c) => `${c}::${type}`, 'scalar')) {
        if (position === 'select' || position === 'where') statements.push({ source: `cast to ${type} on ${t.label} in ${position}`, texts: [sql] })
      }
    }
  }
  return { statements, skipped, excluded }
}

/** Reads to wrap: each masked column as it is, and a few derivations of the partially masked ones. */
export function baseReads(): { name: string; sql: string }[] {
  const read = (name: string, t: Source, d: (c: string) => string) => ({ name, sql: `SELECT ${t.columns.map(d).join(', ')} FROM ${t.from}` })
  const derivations: [string, (c: string) => string][] = [
    ['upper', (c) => `upper(${c})`], ['reverse', (c) => `reverse(${c})`], ['substr', (c) => `substr(${c}, 2)`],
    ['bytea', (c) => `convert_to(${c}, 'UTF8')`], ['to_jsonb', (c) => `to_jsonb(${c})`], ['split_part', (c) => `split_part(${c}, '-', 1)`],
    ['cast inet', (c) => `${c}::inet`], ['string_agg', (c) => `(SELECT string_agg(${c}, ',') FROM ${PARTIAL_SOURCE.from})`],
  ]
  return [
    read('redacted columns', REDACTED_SOURCE, (c) => c),
    read('partial columns', PARTIAL_SOURCE, (c) => c),
    // Under harmless names: masks follow the origin, not the name.
    { name: 'renamed redacted columns', sql: `SELECT ${REDACTED_SOURCE.columns.map((c, i) => `${c} AS note_${i}`).join(', ')} FROM ${TEXT_FROM}` },
    ...derivations.map(([name, d]) => read(`${name} of partial columns`, PARTIAL_SOURCE, d)),
    { name: 'jsonb document', sql: `SELECT p.prefs, p.prefs->>'api_key', p.prefs #>> '{db,password}', p.settings FROM profiles p` },
    // What keeps a document one (the gateway then masks it by its keys).
    {
      name: 'documents kept',
      sql: `SELECT p.prefs::text, COALESCE(p.prefs, '{}'), jsonb_pretty(p.prefs), to_jsonb(p.vault), ARRAY[p.settings], max(p.settings::text) OVER () FROM profiles p`,
    },
    { name: 'composite value', sql: 'SELECT p.vault FROM profiles p' },
    { name: 'whole rows', sql: 'SELECT * FROM profiles' },
  ]
}

/** The channel the sweep's pg_notify statements send to. */
export const NOTIFY_CHANNEL = 'sweep_channel'

/** Each base read inside each statement wrapper. */
export function wrappedStatements(): SweepStatement[] {
  const out: SweepStatement[] = []
  // Cursor and statement names unique to each statement: its texts are its own, and so is its verdict.
  let n = 0
  const wrap = (name: string, texts: (q: string, id: string) => string[], extended?: SweepStatement['extended']) => {
    for (const r of baseReads()) out.push({ source: `${name} of ${r.name}`, texts: texts(r.sql, `sweep_${++n}`), ...(extended ? { extended } : {}) })
  }
  wrap('plain', (q) => [q])
  wrap('explain analyze verbose json', (q) => [`EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) ${q}`])
  wrap('explain verbose', (q) => [`EXPLAIN (VERBOSE, COSTS OFF) ${q}`])
  wrap('materialized cte', (q) => [`WITH w AS MATERIALIZED (${q}) SELECT * FROM w`])
  wrap('values', (q) => [`SELECT * FROM (VALUES (1)) v(n), (${q}) s`])
  wrap('values row', (q) => [`VALUES ((SELECT count(*) FROM (${q}) s), (SELECT row_to_json(s) FROM (${q}) s LIMIT 1))`])
  wrap('union', (q) => [`(${q}) UNION (${q})`])
  wrap('lateral', (q) => [`SELECT s.* FROM (VALUES (1)) v(n) CROSS JOIN LATERAL (${q}) s`])
  wrap('cursor', (q, id) => ['BEGIN', `DECLARE ${id} SCROLL CURSOR FOR ${q}`, `FETCH ALL FROM ${id}`, `FETCH BACKWARD 2 FROM ${id}`, `CLOSE ${id}`, 'COMMIT'])
  wrap('sql prepare', (q, id) => [`PREPARE ${id} AS ${q}`, `EXECUTE ${id}`, `DEALLOCATE ${id}`])
  wrap('copy', (q) => [`COPY (${q}) TO STDOUT`])
  wrap('extended text', (q) => [q], { params: [], binary: false })
  wrap('extended binary', (q) => [q], { params: [], binary: true })
  wrap('extended with a parameter', (q) => [`${q.replace(/ FROM /, ', $1::text AS p FROM ')}`], { params: ['1'], binary: false })
  wrap('extended binary with a parameter', (q) => [`${q.replace(/ FROM /, ', $1::int AS p FROM ')}`], { params: ['1'], binary: true })
  // A write in a transaction rolled back, returning the masked columns of the written table.
  const returning: [string, string][] = [
    ['credentials', 'password, api_key, access_token, client_secret'],
    ['customers', 'email, ssn, card_number, phone'],
    ['customers', 'reverse(email), upper(phone), card_number::inet'],
    ['users', 'email, phone, card_number, upper(email), phone::int'],
  ]
  for (const [table, list] of returning) {
    out.push({ source: `update returning on ${table}`, texts: ['BEGIN', `UPDATE ${table} SET id = id WHERE id = 1 RETURNING ${list}`, 'ROLLBACK'] })
    out.push({ source: `delete returning on ${table}`, texts: ['BEGIN', `DELETE FROM ${table} WHERE id = 1 RETURNING ${list}`, 'ROLLBACK'] })
  }
  // Notifications to the channel a listening session of the test waits on (NotificationResponse).
  for (const t of [...TEXT_SOURCES, JSONB_SOURCE]) {
    for (const c of t.columns) {
      for (const [name, d] of [['as it is', (x: string) => x], ['upper', (x: string) => `upper(${x}::text)`], ['in JSON', (x: string) => `json_build_object('note', ${x})::text`]] as const) {
        out.push({ source: `pg_notify of ${c} ${name}`, texts: [`SELECT pg_notify('${NOTIFY_CHANNEL}', ${d(c)}) FROM ${t.from}`] })
      }
    }
  }
  // Reported settings (ParameterStatus) set from a masked value; last, since an allowed one changes the session.
  for (const t of TEXT_SOURCES) {
    for (const setting of ['application_name', 'DateStyle', 'TimeZone', 'search_path']) {
      for (const c of t.columns) out.push({ source: `set_config ${setting} from ${c}`, texts: [`SELECT set_config('${setting}', ${c}, false) FROM ${t.from} LIMIT 1`] })
    }
  }
  return out
}
