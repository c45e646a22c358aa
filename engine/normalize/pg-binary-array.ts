// The elements of a value in PostgreSQL's binary array format (array_send): the number of dimensions, a flags
// word, the element type, each dimension's length and lower bound, then each element as a 4-byte length (-1 for
// NULL) and its bytes. Clients that bind arrays in binary (asyncpg does by default) send text[] so: an element's
// text sits between length words, which are no word boundary to a shape check of the whole value.

// PostgreSQL's MAXDIM.
const MAX_DIMENSIONS = 6

/** The non-NULL elements, or undefined when the bytes are not exactly one binary array. */
export function binaryArrayElements(bytes: Uint8Array): Uint8Array[] | undefined {
  if (bytes.byteLength < 12) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dimensions = view.getInt32(0)
  const flags = view.getInt32(4)
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS || (flags !== 0 && flags !== 1)) return undefined
  let at = 12
  let count = 1
  for (let d = 0; d < dimensions; d++) {
    if (at + 8 > bytes.byteLength) return undefined
    const length = view.getInt32(at)
    if (length < 0) return undefined
    count *= length
    at += 8
  }
  // Each element takes at least its 4-byte length: a count the bytes cannot hold is no array.
  if (count * 4 > bytes.byteLength - at) return undefined
  const elements: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.byteLength) return undefined
    const length = view.getInt32(at)
    at += 4
    if (length === -1) continue
    if (length < 0 || at + length > bytes.byteLength) return undefined
    elements.push(bytes.subarray(at, at + length))
    at += length
  }
  return at === bytes.byteLength ? elements : undefined
}
