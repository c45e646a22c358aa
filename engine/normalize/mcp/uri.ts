// A resource URI as policies judge it. settings.mcp.resources are globs over the URI's text, and a server may
// read one resource under many spellings: `file:///tmp/../etc/passwd`, `FILE:///etc/passwd`,
// `file://localhost/etc/passwd`, `file:///%65tc/passwd` and `file:///etc%2fpasswd` all name /etc/passwd to a
// server that resolves paths, while none of them matches `file:///etc/*`. So a URI is accepted only in its
// canonical form, the one a glob is written against: absolute, as the WHATWG URL parser writes it back (scheme
// and host lower case, dot segments resolved, localhost dropped from file:), with no percent-encoded unreserved
// character, slash or backslash. Any other spelling is refused with the canonical one, which the client can send.
// The URL parser keeps two spellings a file system reads alike: an empty path segment (file:////etc/passwd,
// file:///etc//app: Linux, macOS and Node read `//` as `/`) and, in a file: URI, a host (file://127.0.0.1/etc/passwd,
// whose path a server that reads `pathname` opens on its own disk). Both are refused too.
// @see https://url.spec.whatwg.org/#concept-url-serializer
// @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2

const UNRESERVED = /%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2D|2E|5F|7E)/gi
const ENCODED_SEPARATOR = /%(?:2F|5C)/i

/** Undefined when `uri` is canonical; otherwise why not (with the canonical form when there is one). */
export function uriProblem(uri: string): string | undefined {
  if (ENCODED_SEPARATOR.test(uri)) return `the resource URI ${JSON.stringify(uri)} holds a percent-encoded slash or backslash, which servers read as a path separator or not`
  const decoded = uri.replace(UNRESERVED, (e) => String.fromCharCode(Number.parseInt(e.slice(1), 16)))
  let url: URL
  try {
    url = new URL(decoded)
  } catch {
    return `the resource URI ${JSON.stringify(uri)} is not an absolute URI`
  }
  if (url.protocol === 'file:' && url.host !== '') return `the resource URI ${JSON.stringify(uri)} names a host; a file: URI is judged without one (file:///path), as servers read its path on their own disk`
  if (url.pathname.includes('//')) url.pathname = url.pathname.replace(/\/{2,}/g, '/')
  const canonical = url.href
  return canonical === uri ? undefined : `the resource URI ${JSON.stringify(uri)} is not in canonical form; send ${JSON.stringify(canonical)}`
}
