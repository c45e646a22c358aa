import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { withoutQuotedValue } from './parse-error-text.ts'

test('a value where parsing stopped is named by its kind; a keyword, a name or an operator is kept', () => {
  const cases: Array<[string, string]> = [
    [`syntax error at or near "'S3cr3t'"`, 'syntax error at or near a string literal'],
    [`unterminated quoted string at or near "'S3cr3t WHERE "x" = 1"`, 'unterminated quoted string at or near a string literal'],
    [`syntax error at or near "E'S3cr3t'"`, 'syntax error at or near a string literal'],
    [`syntax error at or near "U&'S3cr3t'"`, 'syntax error at or near a string literal'],
    [`syntax error at or near "X'0f'"`, 'syntax error at or near a bit string literal'],
    [`syntax error at or near "$t$S3cr3t$t$"`, 'syntax error at or near a dollar-quoted string'],
    [`syntax error at or near "$$S3cr3t$$"`, 'syntax error at or near a dollar-quoted string'],
    [`unterminated quoted identifier at or near ""S3cr3t"`, 'unterminated quoted identifier at or near a quoted identifier'],
    [`syntax error at or near "4111"`, 'syntax error at or near a number'],
    [`syntax error at or near "DELEET"`, `syntax error at or near "DELEET"`],
    [`syntax error at or near "$1"`, `syntax error at or near "$1"`],
    [`syntax error at or near "Eve"`, `syntax error at or near "Eve"`],
    ['syntax error at end of input', 'syntax error at end of input'],
    // Inside a literal: an escape's error quotes the text from the escape on, or the character after it.
    [`invalid Unicode escape value at or near "\\Udeadbeef"`, 'invalid Unicode escape value at or near a string literal'],
    [`invalid Unicode surrogate pair at or near "S"`, 'invalid Unicode surrogate pair at or near a string literal'],
    [`invalid Unicode escape character at or near "'S3'"`, 'invalid Unicode escape character at or near a string literal'],
    [`unterminated /* comment at or near "/* was 'S3cr3t'"`, 'unterminated /* comment at or near a comment'],
  ]
  for (const [message, want] of cases) assert.is(withoutQuotedValue(message), want, message)
})

test.run()
