// Text carried percent-encoded: S3 lists keys so under `encoding-type=url` (the aws CLI always asks for it, and
// decodes what comes back), Google APIs name objects so in selfLink and mediaLink, logs print query strings.
// `alice%40example.com` is no email to a detector, and `postgres%3A//u%3Apw%40db` no URL with a password;
// decoded, they are. A string holding at least one %XX escape is handed back decoded (escapes that are not UTF-8
// become U+FFFD), so the detectors can read it too; anything else is left alone.
const ESCAPE = /%[0-9A-Fa-f]{2}/
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g

/** The text a percent-encoded string encodes, or undefined when it holds no escape. */
export function percentText(value: string): string | undefined {
  if (!ESCAPE.test(value)) return undefined
  return value.replace(ESCAPES, decodeRun)
}

/** decodeURIComponent where the run is UTF-8 (about 3x faster than going through a Buffer), U+FFFD where not. */
function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run)
  } catch {
    return Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8')
  }
}
