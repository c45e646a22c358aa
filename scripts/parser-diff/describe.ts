// Parse + Describe of one statement on a PostgreSQL server over the extended protocol, without executing it:
// what the server makes of the text (its error, or the result columns it would send).
import pg from 'pg'

/** A result column: its name, and the table column it is exactly (tableID 0: none), as the server says. */
export interface Field { name: string; tableID: number; columnID: number }

export type Described = { error: { code: string; message: string } } | { columns: Field[] | null }

export interface Describer {
  describe(text: string): Promise<Described>
  close(): void
}

interface Message { fields?: Field[]; code?: string; message?: string }

interface WireConnection {
  on(event: string, listener: (m: Message) => void): void
  once(event: string, listener: (m: Message & Error) => void): void
  connect(path: string, host: undefined): void
  startup(params: Record<string, string>): void
  parse(query: { name: string; text: string; types: number[] }): void
  describe(msg: { type: 'S'; name: string }): void
  sync(): void
  end(): void
}

/** A trust-authenticated connection over the Unix socket in `socketDir`. */
export async function connectDescriber(socketDir: string, port: number, user: string, database: string): Promise<Describer> {
  // pg's Connection speaks the protocol message by message; its typings leave most of that out.
  const conn = new pg.Connection() as unknown as WireConnection
  const waiters: Array<(m: Message & { name: string }) => void> = []
  const events = ['rowDescription', 'noData', 'errorMessage', 'parseComplete', 'parameterDescription', 'readyForQuery']
  for (const e of events) conn.on(e, (m: Message) => waiters[0]?.({ ...m, name: e, message: m.message }))
  await new Promise<void>((resolve, reject) => {
    conn.once('connect', () => conn.startup({ user, database }))
    conn.once('readyForQuery', () => resolve())
    conn.once('errorMessage', (e: Error) => reject(e))
    conn.connect(`${socketDir}/.s.PGSQL.${port}`, undefined)
  })

  return {
    describe(text) {
      const name = ''
      return new Promise((resolve) => {
        let result: Described = { columns: null }
        waiters.push((m) => {
          if (m.name === 'errorMessage') result = { error: { code: String(m.code), message: String(m.message) } }
          else if (m.name === 'rowDescription') result = { columns: (m.fields ?? []).map((f) => ({ name: f.name, tableID: f.tableID, columnID: f.columnID })) }
          else if (m.name === 'readyForQuery') {
            waiters.shift()
            resolve(result)
          }
        })
        conn.parse({ name, text, types: [] })
        conn.describe({ type: 'S', name })
        conn.sync()
      })
    },
    close: () => conn.end(),
  }
}
