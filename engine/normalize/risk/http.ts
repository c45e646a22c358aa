// Risk of a plain HTTP request. Deterministic; the score table:
//
//   method GET / HEAD / OPTIONS .................... 10  read request
//   method POST .................................... 40  may create or change data
//   method PUT / PATCH ............................. 45  changes data
//   method DELETE .................................. 60  deletes data
//   any other method ............................... 55  unrecognised method
//   X-HTTP-Method-Override (and kin) ............... the overriding method's score, if higher
//   connection upgrade (websocket) ................. at least 40: traffic after the upgrade is not judged
//   body not inspected (body_error) ................ at least 50
//   administrative path (/admin, /internal, /debug, /actuator, /.env, /.git …) ... +15
//
// Levels (shared by every risk table): < 25 low, < 50 medium, < 75 high, ≥ 75 critical.
import type { HttpCommand, Risk, RiskLevel } from '../../types.ts'

export function levelOf(score: number): RiskLevel {
  if (score < 25) return 'low'
  if (score < 50) return 'medium'
  if (score < 75) return 'high'
  return 'critical'
}

/** Clamps the score to 0–100 and derives the level. */
export function riskOf(score: number, reasons: string[]): Risk {
  const clamped = Math.max(0, Math.min(100, Math.round(score)))
  return { level: levelOf(clamped), score: clamped, reasons }
}

const METHOD_SCORES: Record<string, [number, string]> = {
  GET: [10, 'read request'],
  HEAD: [10, 'read request'],
  OPTIONS: [10, 'read request'],
  POST: [40, 'POST may create or change data'],
  PUT: [45, 'PUT changes data'],
  PATCH: [45, 'PATCH changes data'],
  DELETE: [60, 'DELETE deletes data'],
}
const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override']
const ADMIN_PATH = /^\/(?:admin|internal|debug|actuator|management|\.env|\.git|server-status|console)(?:\/|$)/i

function methodScore(method: string): [number, string] {
  return METHOD_SCORES[method] ?? [55, `unrecognised method ${method === '' ? '(none)' : method}`]
}

export function httpRisk(http: HttpCommand): Risk {
  let [score, reason] = methodScore(http.method)
  const reasons = [reason]
  for (const name of OVERRIDE_HEADERS) {
    const override = http.headers[name]?.trim().toUpperCase()
    if (override === undefined) continue
    const [overrideScore, overrideReason] = methodScore(override)
    reasons.push(`${name} header asks for ${override}`)
    if (overrideScore > score) {
      score = overrideScore
      reasons.push(overrideReason)
    }
  }
  if (http.headers.upgrade !== undefined) {
    score = Math.max(score, 40)
    reasons.push('connection upgrade: traffic after it is not judged')
  }
  if (http.body_error !== undefined) {
    score = Math.max(score, 50)
    reasons.push(`body not inspected: ${http.body_error}`)
  }
  if (ADMIN_PATH.test(http.path)) {
    score += 15
    reasons.push('administrative path')
  }
  return riskOf(score, reasons)
}
