// The detector registry: names → detectors, `all` expansion, and one pass that finds and merges spans.
import { apiToken } from './api-token.ts'
import { awsAccessKey } from './aws.ts'
import { bearerToken } from './bearer-token.ts'
import { email } from './email.ts'
import { iban } from './iban.ts'
import { jwt } from './jwt.ts'
import { paymentCard } from './payment-card.ts'
import { phone } from './phone.ts'
import { privateKey } from './private-key.ts'
import { secretAssignment } from './secret-assignment.ts'
import { type Detector, type DetectorName, DETECTOR_NAMES, type Span } from './types.ts'
import { urlCredential } from './url-credential.ts'
import { usSsn } from './us-ssn.ts'

export { DETECTOR_NAMES } from './types.ts'
export type { Detector, DetectorName, Span } from './types.ts'

export const DETECTORS: Readonly<Record<DetectorName, Detector>> = {
  email,
  payment_card: paymentCard,
  iban,
  us_ssn: usSsn,
  phone,
  aws_access_key: awsAccessKey,
  private_key: privateKey,
  jwt,
  bearer_token: bearerToken,
  url_credential: urlCredential,
  secret_assignment: secretAssignment,
  api_token: apiToken,
}

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name)
}

/** Expands one obligation's detector field; undefined for a name Warden does not know. */
export function resolveDetectors(name: string): DetectorName[] | undefined {
  if (name === 'all') return [...DETECTOR_NAMES]
  return isDetectorName(name) ? [name] : undefined
}

export interface FoundSpan extends Span {
  detector: DetectorName
}

/** Every span any of the named detectors finds, sorted and merged (see mergeSpans). */
export function findSpans(text: string, names: readonly DetectorName[]): FoundSpan[] {
  const found: FoundSpan[] = []
  for (const name of names) {
    for (const span of DETECTORS[name].find(text)) found.push({ ...span, detector: name })
  }
  return mergeSpans(found)
}

/**
 * Sorts spans and merges overlapping ones into their union (the earlier span's label and detector win),
 * so no part of a partly overlapping hit is left unmasked.
 */
export function mergeSpans(spans: readonly FoundSpan[]): FoundSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: FoundSpan[] = []
  for (const span of sorted) {
    const last = merged[merged.length - 1]
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end)
    else merged.push({ ...span })
  }
  return merged
}
