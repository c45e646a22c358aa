// AWS credentials: access key ids (AKIA… long-term, ASIA… temporary) and secret access keys where they
// are assigned to a recognisable name (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`, `<SecretAccessKey>…`).
import { type Detector, type Span, scan } from './types.ts'

const ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g
const SECRET_NAME = '(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)'
// `name = value`, `"name": "value"`, and XML's `<SecretAccessKey>value<` (STS and IAM answers).
const SECRET_ASSIGNMENT = new RegExp(`${SECRET_NAME}(?:["']?\\s*[:=]\\s*["']?|>\\s*)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, 'gi')
const SECRET_KEY_NAME = new RegExp(`^${SECRET_NAME}$`, 'i')

function secretSpans(text: string): Span[] {
  return scan(text, SECRET_ASSIGNMENT, (m) => {
    const end = m.index + m[0].length
    return { start: end - m[1]!.length, end, label: 'aws_secret' }
  })
}

export const awsAccessKey: Detector = {
  name: 'aws_access_key',
  find: (text) => [
    ...scan(text, ACCESS_KEY_ID, (m) => ({ start: m.index, end: m.index + m[0].length, label: 'aws_key' })),
    ...secretSpans(text),
  ],
  assignedTo: (name) => SECRET_KEY_NAME.test(name),
}
