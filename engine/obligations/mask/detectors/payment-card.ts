// Payment card numbers: 13–19 digits, optionally grouped with spaces or dashes, Luhn-valid, and starting
// with a major-network digit (2–6: Mastercard, Amex/Diners, Visa, Mastercard, Discover/UnionPay). The
// network check keeps epoch milliseconds (1…) and other long integers out.
import { type Detector, scan } from './types.ts'

const RUN = /(?<![0-9A-Za-z]|\d\.)\d+(?:[ -]\d+)*(?![0-9A-Za-z]|\.\d)/g

export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** True for a bare digit string that is a plausible card number. */
export function isCardNumber(digits: string): boolean {
  return (
    digits.length >= 13 &&
    digits.length <= 19 &&
    /^[2-6]/.test(digits) &&
    !/^(\d)\1*$/.test(digits) &&
    luhnValid(digits)
  )
}

function cardSpans(text: string) {
  return scan(text, RUN, (m) => {
    const groups = m[0].split(/[ -]/)
    // Grouped numbers print in groups of 3 or more digits (4-4-4-4, 4-6-5 …); `1 2 3 …` is not a card.
    if (groups.length > 1 && groups.some((g) => g.length < 3)) return undefined
    if (!isCardNumber(groups.join(''))) return undefined
    return { start: m.index, end: m.index + m[0].length, label: 'card' }
  })
}

export const paymentCard: Detector = {
  name: 'payment_card',
  find: cardSpans,
  canonical: (span) => span.replace(/[ -]/g, ''),
}
