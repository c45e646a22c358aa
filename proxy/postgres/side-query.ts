// A small simple-protocol client over a gateway-owned upstream session, for the gateway's own catalog lookups.
// It never carries client text: only queries the gateway builds itself.
import type { Backend } from './backend.ts'
import { UpstreamError } from './errors.ts'
import { FrameSource } from './frame-source.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeTerminate } from './messages/terminate.ts'

export class SideQuery {
  private readonly source: FrameSource
  private chain: Promise<unknown> = Promise.resolve()
  private broken = false

  constructor(private readonly backend: Backend) {
    this.source = new FrameSource(backend.socket, { typed: true, initial: backend.leftover })
    backend.socket.resume()
  }

  get usable(): boolean {
    return !this.broken
  }

  /** Runs one query; rows of text values (null for NULL). Queries run one at a time. */
  query(sql: string): Promise<(string | null)[][]> {
    const run = this.chain.then(() => this.run(sql))
    this.chain = run.catch(() => undefined)
    return run
  }

  private async run(sql: string): Promise<(string | null)[][]> {
    if (this.broken) throw new UpstreamError('upstream.closed', 'catalog connection is closed')
    this.backend.socket.write(encodeQuery(sql))
    const rows: (string | null)[][] = []
    let error: string | undefined
    try {
      for (;;) {
        const f = await this.source.next()
        if (!f) throw new UpstreamError('upstream.closed', 'catalog connection closed by the server')
        if (f.type === 'D') rows.push(decodeDataRow(f.payload).map((v) => (v === null ? null : v.toString('utf8'))))
        else if (f.type === 'E') error = decodeErrorResponse(f.payload).message
        else if (f.type === 'Z') break
      }
    } catch (err) {
      this.broken = true
      this.backend.socket.destroy()
      throw err
    }
    if (error !== undefined) throw new UpstreamError('upstream.startup', `catalog query failed: ${error}`)
    return rows
  }

  close(): void {
    this.broken = true
    this.backend.socket.end(encodeTerminate())
  }
}
