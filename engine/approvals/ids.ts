// Short, unguessable, URL-safe identifiers: a prefix and 10 base32 characters (50 random bits).
import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

export function randomId(prefix: string, length = 10): string {
  // 256 is a multiple of 32, so masking each byte to 5 bits keeps the choice uniform.
  const bytes = randomBytes(length)
  let id = prefix
  for (const byte of bytes) id += ALPHABET[byte & 31]
  return id
}
