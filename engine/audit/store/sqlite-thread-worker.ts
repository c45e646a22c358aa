// The audit store thread (sqlite-thread.ts): opens the SQLite store and answers its operations.
import type { StoredRecord } from '../chain/verify.ts'
import { serve, threadData } from '../../threads/serve.ts'
import { openSqliteAuditStore } from './sqlite.ts'
import type { EncodedRecord } from './types.ts'

await serve(() => {
  const store = openSqliteAuditStore(threadData<{ file: string }>().file)
  // A better-sqlite3 iterator keeps the connection busy until it ends, and an append meanwhile would fail: a
  // read takes every record at once. The gateway only writes through this store; `warden audit` reads the
  // file with its own store (sqlite.ts).
  const cursors = new Map<number, StoredRecord[]>()
  let nextCursor = 1
  return {
    append: (batch: EncodedRecord[]) => store.appendEncoded(batch),
    head: () => store.head(),
    addCheckpoint: (c: Parameters<typeof store.addCheckpoint>[0]) => store.addCheckpoint(c),
    checkpoints: () => store.checkpoints(),
    async openRecords() {
      const all: StoredRecord[] = []
      for await (const r of store.records()) all.push(r)
      const id = nextCursor++
      cursors.set(id, all)
      return id
    },
    nextRecords(id: number, max: number) {
      const rest = cursors.get(id) ?? []
      const page = rest.splice(0, max)
      if (page.length < max) cursors.delete(id)
      return page
    },
    has: (seq: number) => store.has(seq),
    sessions: (filter: Parameters<typeof store.sessions>[0], limit: number) => store.sessions(filter, limit),
    sessionRecords: (id: string, limit: number) => store.sessionRecords(id, limit),
    close: () => store.close(),
  }
})
