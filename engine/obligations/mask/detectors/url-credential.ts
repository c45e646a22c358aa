// A password written into a URL's userinfo: `postgres://app:s3cret@db/x`, `redis://:s3cret@cache`,
// `https://user:token@git.example.com/repo.git`. Connection strings like these sit in ConfigMaps, environment
// dumps and logs. Only the password is masked; scheme, user and host stay readable.
import { type Detector, scan } from './types.ts'

// scheme "://" user ":" password "@": the user holds no `:`; the password may (RFC 3986 userinfo), but no
// whitespace, `/`, `?`, `#` or `@`, which end the authority or would make a URL's host look like a password.
const USERINFO = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@"'<>]*:([^\s/?#@"'<>]+)@/g

export const urlCredential: Detector = {
  name: 'url_credential',
  find: (text) =>
    scan(text, USERINFO, (m) => {
      const password = m[1]!
      const end = m.index + m[0].length - 1
      return { start: end - password.length, end, label: 'password' }
    }),
}
