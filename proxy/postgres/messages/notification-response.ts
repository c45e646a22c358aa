// NotificationResponse (B 'A'): a NOTIFY delivered to a listening session: sender's process ID, channel, payload.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTIFICATIONRESPONSE
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface NotificationResponse {
  processId: number
  channel: string
  payload: string
}

export function decodeNotificationResponse(payload: Buffer): NotificationResponse {
  const r = new WireReader(payload, 'NotificationResponse')
  const m = { processId: r.int32(), channel: r.cstring(), payload: r.cstring() }
  r.end()
  return m
}

export function encodeNotificationResponse(m: NotificationResponse): Buffer {
  return frame('A', new WireWriter().int32(m.processId).cstring(m.channel).cstring(m.payload).payload())
}
