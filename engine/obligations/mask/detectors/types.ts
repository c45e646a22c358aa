// What a content detector is: a pure function from text to the spans that hold sensitive data.

export const DETECTOR_NAMES = [
  'email',
  'payment_card',
  'iban',
  'us_ssn',
  'phone',
  'aws_access_key',
  'private_key',
  'jwt',
  'bearer_token',
  'url_credential',
  'secret_assignment',
  'api_token',
] as const

export type DetectorName = (typeof DETECTOR_NAMES)[number]

/** A half-open range [start, end) of UTF-16 offsets; label is the redaction text, e.g. `card` ⇒ `[card]`. */
export interface Span {
  start: number
  end: number
  label: string
}

export interface Detector {
  name: DetectorName
  find(text: string): Span[]
  /** Canonical form of a found span before hashing, so `4242 4242…` and `4242-4242…` hash alike. */
  canonical?(span: string): string
  /**
   * Whether a value assigned to this name (a JSON key, an XML element) is found only with its name, as
   * `SecretAccessKey` makes 40 characters an AWS secret key: a JSON walk that sees the value alone then runs
   * find over `name=value`.
   */
  assignedTo?(name: string): boolean
  /** A value assigned to a name assignedTo accepts is secret whole, whatever it holds (`DB_PASSWORD`). */
  assignedWhole?: boolean
}

/** Collects every match of a global regex, turning each into zero or one span. */
export function scan(text: string, re: RegExp, toSpan: (m: RegExpExecArray) => Span | undefined): Span[] {
  const spans: Span[] = []
  re.lastIndex = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const span = toSpan(m)
    if (span) spans.push(span)
    if (m[0].length === 0) re.lastIndex++
  }
  return spans
}
