// Phone numbers: E.164 (`+` country code, 7–15 digits, separators allowed) and national formats written
// with separators or a parenthesised area code. Plain integers, dates, IPv4 addresses, thousands-grouped
// numbers and card numbers are not phones.
import { isCardNumber } from './payment-card.ts'
import { type Detector, scan } from './types.ts'

const CANDIDATE =
  /(?<![\w+/.()-]|\d )(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d+(?:[ .-]\d+){0,6}(?![\w/(]|[ .-]\d)/g

// A date written with - or . between whole groups: 2024-01-15, 15.01.2024.
const DATE = /(?:^|\s)(?:\d{4}([-.])\d{1,2}\1\d{1,2}|\d{1,2}([-.])\d{1,2}\2\d{4})(?:$|\s)/

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '')
  if (digits.length < 7 || digits.length > 15) return false
  if (digits.length >= 13 && isCardNumber(digits)) return false
  if (candidate.startsWith('+')) return true
  const groups = candidate.replace(/[()]/g, '').split(/[ .-]+/).filter(Boolean)
  const separators = candidate.replace(/[\d()]/g, '')
  if (groups.length < 2 && !candidate.includes('(')) return false // a plain integer
  if (DATE.test(candidate)) return false
  if (/^\.+$/.test(separators) && (groups.length === 2 || (groups.length === 4 && groups.every((g) => g.length <= 3)))) {
    return false // a decimal or an IPv4 address
  }
  const [first, ...rest] = groups
  if (first !== undefined && first.length <= 3 && rest.every((g) => g.length === 3) && /^[ .]+$/.test(separators)) {
    return false // 1 234 567 or 12.345.678: a grouped integer
  }
  return groups.slice(1).every((g) => g.length >= 2)
}

export const phone: Detector = {
  name: 'phone',
  find: (text) =>
    scan(text, CANDIDATE, (m) =>
      looksLikePhone(m[0]) ? { start: m.index, end: m.index + m[0].length, label: 'phone' } : undefined,
    ),
  canonical: (span) => (span.startsWith('+') ? '+' : '') + span.replace(/\D/g, ''),
}
