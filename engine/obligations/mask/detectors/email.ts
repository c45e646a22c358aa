// Email addresses: local@domain with a dotted domain and an alphabetic top-level label.
import { type Detector, scan } from './types.ts'

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/g

export const email: Detector = {
  name: 'email',
  find: (text) =>
    scan(text, EMAIL, (m) => (m[0].includes('..') ? undefined : { start: m.index, end: m.index + m[0].length, label: 'email' })),
  canonical: (span) => span.toLowerCase(),
}
