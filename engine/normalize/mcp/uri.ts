// A resource URI as policies judge it. settings.mcp.resources are globs over the URI's text, and a server may
// read one resource under many spellings: `file:///tmp/../etc/passwd`, `FILE:///etc/passwd`,
// `file://localhost/etc/passwd`, `file:///%65tc/passwd` and `file:///etc%2fpasswd` all name /etc/passwd to a
// server that resolves paths, while none of them matches `file:///etc/*`. So a URI is accepted only in its
// canonical form, the one a glob is written against: absolute, as the WHATWG URL parser writes it back (scheme
// and host lower case, dot segments resolved, localhost dropped from file:), with no percent-encoded unreserved
// character, slash or backslash. Any other spelling is refused with the canonical one, which the client can send.
// The URL parser keeps two spellings a file system reads alike: an empty path segment (file:////etc/passwd,
// file:///etc//app: Linux, macOS and Node read `//` as `/`) and, in a file: URI, a host (file://127.0.0.1/etc/passwd,
// whose path a server that reads `pathname` opens on its own disk). Both are refused too. So is a file: path
// through a process's own view of the file system (/proc/self/root/etc/passwd, /proc/1/cwd/…, /dev/fd/3,
// /proc/self/fd/3): a server opens what it names, which no glob over the path can tell. So is a process's
// environment (/proc/self/environ): the server's own credentials, which no default list names.
// @see https://url.spec.whatwg.org/#concept-url-serializer
// @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2

const UNRESERVED = /%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2D|2E|5F|7E)/gi
const ENCODED_SEPARATOR = /%(?:2F|5C)/i

// /proc/<self | thread-self | pid>/ then a link to a directory or file (root, cwd, fd, exe, task, map_files …),
// and /dev/fd, /dev/std* (links to /proc/self/fd). /proc is case-sensitive, but a case-insensitive glob is not.
const PROCESS_VIEW = /^\/(?:proc\/(?:self|thread-self|\d+)\/(?:root|cwd|fd|fdinfo|exe|task|map_files|ns)(?:\/|$)|dev\/(?:fd|stdin|stdout|stderr)(?:\/|$))/i

// A process's own secrets: its environment (the server's API keys and database passwords), its command line
// and its memory. Only a process's directory under /proc holds these names, so any segment stands for the pid
// (a template's `{pid}` too).
const PROCESS_SECRETS = /^\/proc\/[^/]+\/(?:environ|cmdline|mem|auxv)$/i

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
  if (url.protocol === 'file:' && PROCESS_VIEW.test(url.pathname)) {
    return `the resource URI ${JSON.stringify(uri)} names a path through a process's view of the file system (/proc/<pid>/root, cwd or fd, /dev/fd), which can reach any file; it is refused`
  }
  if (url.protocol === 'file:' && PROCESS_SECRETS.test(url.pathname)) {
    return `the resource URI ${JSON.stringify(uri)} names a process's environment, command line or memory (/proc/<pid>/environ, cmdline, mem), which hold its credentials; it is refused`
  }
  const canonical = url.href
  return canonical === uri ? undefined : `the resource URI ${JSON.stringify(uri)} is not in canonical form; send ${JSON.stringify(canonical)}`
}

// A template's expressions ({name}, {+path}, {?q}) stand for text the URL parser keeps as it is: each is swapped
// for a stand-in of plain letters while the template is checked as a URI, then put back.
const EXPRESSION = /\{[^{}]*\}/g
const standIn = (i: number) => `wardenexpr${i}x`

/**
 * Undefined when the resource template `template` (RFC 6570) is canonical, its expressions left as they are:
 * the same checks as a URI, each expression read as plain text; otherwise why not, with the canonical form.
 */
export function templateProblem(template: string): string | undefined {
  const expressions: string[] = []
  const stood = template.replace(EXPRESSION, (e) => standIn(expressions.push(e) - 1))
  if (/[{}]/.test(stood)) return `the resource template ${JSON.stringify(template)} holds an unmatched brace`
  const problem = uriProblem(stood)
  if (problem === undefined) return undefined
  const back = (text: string) => expressions.reduce((t, e, i) => t.split(standIn(i)).join(e), text)
  return back(problem.replace(JSON.stringify(stood), JSON.stringify(template))).replace('the resource URI', 'the resource template')
}
