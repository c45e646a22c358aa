// The audit trail read through a gateway's admin API (auditor role): the same AuditReader `warden audit` uses on
// the store directly, so `warden audit … --admin URL` prints exactly what it prints locally.
import type { VerifyReport } from '../../engine/audit/chain/verify.ts'
import type { DecisionLogEntry } from '../../engine/audit/decision-log.ts'
import type { AuditReader, SessionList } from '../../engine/audit/reader.ts'
import type { SessionReplay } from '../../engine/audit/replay.ts'
import { AdminClientError, adminJson, adminRequest } from './client.ts'

async function* lines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of body) {
    rest += decoder.decode(chunk, { stream: true })
    let nl: number
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl)
      rest = rest.slice(nl + 1)
      if (line) yield line
    }
  }
  rest += decoder.decode()
  if (rest) yield rest
}

export function createAdminAuditReader(baseUrl: string, token: string): AuditReader {
  const get = <T>(path: string) => adminJson<T>(baseUrl, token, 'GET', path, undefined, 0)
  return {
    verify: async () => (await get<{ report: VerifyReport }>('/v1/audit/verify')).report,
    async sessions(filter = {}) {
      const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'))
      const { sessions, truncated } = await get<SessionList>(`/v1/audit/sessions${query.size ? `?${query}` : ''}`)
      return truncated ? { sessions, truncated } : { sessions }
    },
    async replay(sessionId) {
      try {
        return (await get<{ replay: SessionReplay }>(`/v1/audit/sessions/${encodeURIComponent(sessionId)}`)).replay
      } catch (err) {
        if (err instanceof AdminClientError && err.status === 404 && err.code === 'audit.session_not_found') return undefined
        throw err
      }
    },
    async *decisionLog() {
      const res = await adminRequest(baseUrl, token, 'GET', '/v1/audit/export?format=jsonl', undefined, 0)
      for await (const line of lines(res.body)) yield JSON.parse(line) as DecisionLogEntry
    },
    close: async () => undefined,
  }
}
