// US social security numbers written AAA-GG-SSSS (or with spaces), excluding numbers the SSA never issues:
// area 000, 666 or 9xx, group 00, serial 0000, and the published advertising numbers.
import { type Detector, scan } from './types.ts'

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-]|\.\d)/g
const NEVER_ISSUED = new Set(['078051120', '219099999', '123456789'])

export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.startsWith('9')) return false
  if (group === '00' || serial === '0000') return false
  return !NEVER_ISSUED.has(area + group + serial)
}

export const usSsn: Detector = {
  name: 'us_ssn',
  find: (text) =>
    scan(text, SSN, (m) =>
      ssnValid(m[1]!, m[3]!, m[4]!) ? { start: m.index, end: m.index + m[0].length, label: 'ssn' } : undefined,
    ),
  canonical: (span) => span.replace(/[- ]/g, ''),
}
