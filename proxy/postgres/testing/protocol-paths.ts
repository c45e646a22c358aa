// The ways one statement can reach the server through the gateway, as byte-exact frontend messages: a simple
// Query, one Query holding several statements, Parse/Bind/Execute (unnamed with text results, named with binary
// ones; with the first string literal moved into $1, bound in text or in binary format), SQL PREPARE + EXECUTE,
// DECLARE CURSOR + FETCH, BEGIN / COMMIT around it, a DO block that loops over it, and COPY (query) TO STDOUT.
// protocol-diff.test.ts sends each statement every way that applies and compares what the gateway decided and
// what came back.
import { encodeBind } from '../messages/bind.ts'
import { encodeClose } from '../messages/close.ts'
import { encodeDescribe } from '../messages/describe.ts'
import { encodeExecute } from '../messages/execute.ts'
import { encodeParse } from '../messages/parse.ts'
import { encodeSync } from '../messages/sync.ts'
import { rawMessages } from './raw-client.ts'

export const PATHS = ['simple', 'multi', 'unnamed', 'named', 'param-text', 'param-binary', 'prepare', 'cursor', 'transaction', 'do', 'copy'] as const
export type PathName = (typeof PATHS)[number]

/** One statement sent one way: the messages, and how many ReadyForQuery answers end them. */
export interface PathRun {
  path: PathName
  messages: Buffer[]
  readies: number
}

const READS = new Set(['select', 'with', 'values', 'table'])
const WRITES = new Set(['insert', 'update', 'delete', 'merge'])
const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare'])

/** The first keyword, past blanks, comments and parentheses; '' when there is none. */
export function firstKeyword(sql: string): string {
  const rest = sql.replace(/^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()+/, '')
  return /^[A-Za-z]+/.exec(rest)?.[0]?.toLowerCase() ?? ''
}

/** The statement without trailing semicolons and blanks. */
const bare = (sql: string) => sql.replace(/[\s;]+$/, '')

/** One statement, plain enough to wrap: no other statement, NUL, dollar quote or parameter in it. */
const wrappable = (sql: string) => !/[;\0$]/.test(bare(sql))

/**
 * The statement with its first plain string literal moved into $1, and the literal's value; undefined when it
 * has none (or holds comments, parameters or dollar quotes that a text search could misread).
 */
export function parameterize(sql: string): { text: string; value: string } | undefined {
  if (/--|\/\*|\$|\0/.test(sql)) return undefined
  const m = /(?<![A-Za-z0-9_&'])'((?:[^']|'')*)'/.exec(sql)
  if (!m) return undefined
  return { text: sql.slice(0, m.index) + '$1' + sql.slice(m.index + m[0].length), value: m[1]!.replace(/''/g, "'") }
}

function extended(path: PathName, text: string, opts: { name?: string; param?: string; binary?: boolean; binaryResults?: boolean } = {}): PathRun {
  const name = opts.name ?? ''
  const params = opts.param === undefined ? [] : [Buffer.from(opts.param)]
  const format = opts.binary ? 1 : 0
  return {
    path,
    messages: [
      encodeParse({ name, text, paramTypes: [] }),
      encodeBind({ portal: '', statement: name, paramFormats: params.map(() => format), params, resultFormats: [opts.binary || opts.binaryResults ? 1 : 0] }),
      encodeDescribe({ kind: 'P', name: '' }),
      encodeExecute({ portal: '', maxRows: 0 }),
      ...(name ? [encodeClose({ kind: 'S', name })] : []),
      encodeSync(),
    ],
    readies: 1,
  }
}

const queries = (path: PathName, texts: string[]): PathRun => ({ path, messages: texts.map((t) => rawMessages.query(t)), readies: texts.length })

/** Every way `sql` can be sent that applies to it, the simple Query first. */
export function pathsOf(sql: string): PathRun[] {
  const kw = firstKeyword(sql)
  const s = bare(sql)
  const plain = wrappable(sql)
  const read = plain && READS.has(kw)
  const runs: PathRun[] = [queries('simple', [sql]), queries('multi', [`SELECT 1 AS wd_first; ${sql}`])]
  if (!sql.includes('\0')) {
    runs.push(extended('unnamed', sql), extended('named', sql, { name: 'wd_s', binaryResults: true }))
    const p = parameterize(sql)
    if (p) runs.push(extended('param-text', p.text, { param: p.value }), extended('param-binary', p.text, { param: p.value, binary: true }))
  }
  if (plain && (read || WRITES.has(kw))) runs.push(queries('prepare', [`PREPARE wd_p AS ${s}`, 'EXECUTE wd_p', 'DEALLOCATE wd_p']))
  if (read) runs.push(queries('cursor', ['BEGIN', `DECLARE wd_c CURSOR FOR ${s}`, 'FETCH ALL FROM wd_c', 'CLOSE wd_c', 'COMMIT']))
  if (!TRANSACTION_CONTROL.has(kw) && !sql.includes('\0')) runs.push(queries('transaction', ['BEGIN', sql, 'COMMIT']))
  if (read) runs.push(queries('do', [`DO $wd$ DECLARE r record; BEGIN FOR r IN ${s} LOOP RAISE NOTICE '%', r; END LOOP; END $wd$`]))
  if (plain && (read || WRITES.has(kw))) runs.push(queries('copy', [`COPY (${s}) TO STDOUT`]))
  return runs
}
