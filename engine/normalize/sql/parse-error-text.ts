// PostgreSQL ends a syntax error with `at or near "<token>"`, the text where parsing stopped. There a string, a
// dollar-quoted body, a bit string, a number or a quoted identifier is a value the statement carried (a password
// in ALTER ROLE, a token in an UPDATE), and an unterminated quote runs to the end of the text. The message becomes
// parse_error, and so the policy's reason, which the approvals store, its webhook and the audit trail keep while
// the statement itself is kept with its literals replaced: the value is named by its kind instead.

const NEAR = /^([\s\S]*? at or near )"([\s\S]*)"$/

/** What a token that opens a value is, or undefined for a keyword, a name or an operator. */
function valueKind(token: string): string | undefined {
  if (/^(?:[EeNn]?'|[Uu]&')/.test(token)) return 'a string literal'
  if (/^[BbXx]'/.test(token)) return 'a bit string literal'
  if (/^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(token)) return 'a dollar-quoted string'
  if (/^(?:[Uu]&)?"/.test(token)) return 'a quoted identifier'
  if (/^\.?[0-9]/.test(token)) return 'a number'
  return undefined
}

/** `message` with the value it quotes, if it quotes one where parsing stopped, named by its kind. */
export function withoutQuotedValue(message: string): string {
  const m = NEAR.exec(message)
  if (!m) return message
  // An escape's error quotes the text inside the literal from the escape on (`invalid Unicode escape value at or
  // near "\Udeadbeef"`, `invalid Unicode surrogate pair at or near "S"`); an unterminated comment all the rest of the
  // text, which the trail keeps without its comments.
  const kind = /Unicode/.test(m[1]!) || m[2]!.startsWith('\\') ? 'a string literal' : m[2]!.startsWith('/*') ? 'a comment' : valueKind(m[2]!)
  return kind ? `${m[1]}${kind}` : message
}
