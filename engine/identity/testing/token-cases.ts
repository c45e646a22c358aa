// Bad and borderline JWTs for the cross-listener token sweep: each case is a token the dev issuer's key (or
// another key) signed byte for byte as written here, so headers and payloads can hold what no JWT library
// writes (duplicated members, base64 instead of base64url, padding, crit, b64:false …).
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyPairKeyObjectResult, sign } from 'node:crypto'
import type { JWK } from 'jose'
import type { DevKeyPair } from '../dev-issuer.ts'

export interface TokenCase {
  name: string
  token: string
  /** What the verifier must do with it. */
  want: 'accept' | 'reject'
  /** For accepted tokens: the identity every listener must see. */
  identity?: { sub: string; groups: string[]; kind: 'agent' | 'human' }
}

const b64u = (s: string | Buffer) => Buffer.from(s).toString('base64url')

/** Signs `header.payload` (already encoded) with an EC P-256 JWK, as ES256 (r‖s). */
function es256(jwk: JWK, input: string): string {
  return sign('sha256', Buffer.from(input), { key: createPrivateKey({ key: jwk as never, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }).toString('base64url')
}

let others: { attacker: KeyPairKeyObjectResult; rsa: KeyPairKeyObjectResult } | undefined
/** Keys the issuer does not publish, made once: the cases are built again for each token, fresh against the clock. */
const otherKeys = () => (others ??= { attacker: generateKeyPairSync('ec', { namedCurve: 'P-256' }), rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }) })

export function tokenCases(keys: DevKeyPair, opts: { issuer: string; audience: string; skewSeconds: number; now?: number }): TokenCase[] {
  const now = Math.floor((opts.now ?? Date.now()) / 1000)
  const kid = keys.privateJwk.kid!
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: opts.issuer, aud: opts.audience, sub: 'cursor', groups: ['agents'], kind: 'agent', iat: now, exp: now + 600, ...extra })
  const without = (name: string) => { const c: Record<string, unknown> = claims(); delete c[name]; return c }
  const header = (extra: Record<string, unknown> = {}) => JSON.stringify({ alg: 'ES256', typ: 'JWT', kid, ...extra })
  /** header and payload as raw JSON text, encoded and signed with the dev key. */
  const raw = (h: string, p: string, key: JWK = keys.privateJwk) => { const input = `${b64u(h)}.${b64u(p)}`; return `${input}.${es256(key, input)}` }
  const signed = (payload: Record<string, unknown>, h: Record<string, unknown> = {}) => raw(header(h), JSON.stringify(payload))
  const good = signed(claims())
  const agent = { sub: 'cursor', groups: ['agents'], kind: 'agent' as const }

  const { attacker, rsa } = otherKeys()
  const attackerJwk = attacker.privateKey.export({ format: 'jwk' }) as JWK
  const attackerPublic = attacker.publicKey.export({ format: 'jwk' }) as JWK
  const rsaSigned = (() => {
    const input = `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64u(JSON.stringify(claims()))}`
    return `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`
  })()
  const hs256 = (() => {
    const input = `${b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64u(JSON.stringify(claims()))}`
    return `${input}.${createHmac('sha256', JSON.stringify(keys.publicJwk)).update(input).digest('base64url')}`
  })()
  // Base64 (not base64url) and padded encodings of the same header and payload, signed as written.
  const plainB64 = (() => {
    let p = claims({ sub: 'cursor', note: '>>>???~~~' })
    for (let i = 0; !/[+/]/.test(Buffer.from(JSON.stringify(p)).toString('base64')); i++) p = claims({ note: `>>>???~~~${'?'.repeat(i)}` })
    const input = `${Buffer.from(header()).toString('base64').replace(/=+$/, '')}.${Buffer.from(JSON.stringify(p)).toString('base64').replace(/=+$/, '')}`
    return `${input}.${es256(keys.privateJwk, input)}`
  })()
  const padded = (() => {
    let h = header()
    while (Buffer.from(h).length % 3 === 0) h = header({ typ: `${JSON.parse(h).typ} ` })
    const input = `${Buffer.from(h).toString('base64url')}=.${b64u(JSON.stringify(claims()))}`.replace(/=\./, Buffer.from(h).length % 3 === 1 ? '==.' : '=.')
    return `${input}.${es256(keys.privateJwk, input)}`
  })()
  /** The longest token of at most `chars` characters (base64 cannot hit every length). */
  const sized = (chars: number) => {
    const base = signed(claims({ filler: '' })).length
    let filler = Math.floor((chars - base) * 3 / 4) - 4
    while (signed(claims({ filler: 'x'.repeat(filler + 1) })).length <= chars) filler++
    return signed(claims({ filler: 'x'.repeat(filler) }))
  }

  const cases: TokenCase[] = [
    { name: 'valid agent token', token: good, want: 'accept', identity: agent },
    { name: 'valid human token', token: signed(claims({ sub: 'alice', groups: ['dba'], kind: 'human' })), want: 'accept', identity: { sub: 'alice', groups: ['dba'], kind: 'human' } },
    { name: 'alg none, no signature', token: `${b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64u(JSON.stringify(claims()))}.`, want: 'reject' },
    { name: 'alg NoNe with the real signature', token: (() => { const [, p, s] = good.split('.'); return `${b64u(JSON.stringify({ alg: 'NoNe', kid }))}.${p}.${s}` })(), want: 'reject' },
    { name: 'HS256 keyed with the public JWK', token: hs256, want: 'reject' },
    { name: 'RS256 signed by another RSA key under our kid', token: rsaSigned, want: 'reject' },
    { name: 'header says RS256, ES256 signature', token: raw(JSON.stringify({ alg: 'RS256', kid }), JSON.stringify(claims())), want: 'reject' },
    { name: 'unknown kid', token: signed(claims(), { kid: 'no-such-key' }), want: 'reject' },
    { name: 'kid with a path', token: signed(claims(), { kid: '../../../../etc/passwd' }), want: 'reject' },
    { name: 'kid with SQL', token: signed(claims(), { kid: "x' OR '1'='1' --" }), want: 'reject' },
    { name: 'attacker key, jku to its JWKS', token: raw(header({ jku: 'http://127.0.0.1:1/jwks.json' }), JSON.stringify(claims()), attackerJwk), want: 'reject' },
    { name: 'attacker key, x5u', token: raw(header({ x5u: 'http://127.0.0.1:1/cert.pem' }), JSON.stringify(claims()), attackerJwk), want: 'reject' },
    { name: 'attacker key embedded as jwk', token: raw(header({ jwk: attackerPublic }), JSON.stringify(claims()), attackerJwk), want: 'reject' },
    { name: 'attacker key, x5c', token: raw(header({ x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }), JSON.stringify(claims()), attackerJwk), want: 'reject' },
    { name: 'our key, jku header ignored', token: signed(claims(), { jku: 'http://127.0.0.1:1/jwks.json' }), want: 'accept', identity: agent },
    { name: 'crit names an unknown extension', token: signed(claims(), { crit: ['warden-ext'], 'warden-ext': 1 }), want: 'reject' },
    { name: 'crit names exp', token: signed(claims(), { crit: ['exp'] }), want: 'reject' },
    { name: 'b64:false with crit', token: (() => { const h = b64u(header({ b64: false, crit: ['b64'] })); const p = JSON.stringify(claims()); return `${h}.${p}.${es256(keys.privateJwk, `${h}.${p}`)}` })(), want: 'reject' },
    { name: 'b64:false without crit', token: signed(claims(), { b64: false }), want: 'reject' },
    { name: 'JWE compact (5 parts)', token: `${b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM' }))}..${b64u('iv-iv-iv-iv')}.${b64u('ciphertext')}.${b64u('tag-tag-tag-tag')}`, want: 'reject' },
    { name: 'four parts', token: `${good}.${good.split('.')[2]}`, want: 'reject' },
    { name: 'two parts', token: good.split('.').slice(0, 2).join('.'), want: 'reject' },
    { name: 'leading space (HTTP drops it from a header value)', token: ` ${good}`, want: 'accept', identity: agent },
    { name: 'trailing space and tab', token: `${good} \t`, want: 'accept', identity: agent },
    { name: 'space inside a part', token: `${good.slice(0, 10)} ${good.slice(10)}`, want: 'reject' },
    { name: 'base64, not base64url, signed as written', token: plainB64, want: 'reject' },
    { name: 'padded header, signed as written', token: padded, want: 'reject' },
    // A member named twice is refused wherever it is: JSON.parse reads the last value, other readers the first.
    { name: 'duplicated alg in header (none, then ES256)', token: raw(`{"alg":"none","alg":"ES256","kid":${JSON.stringify(kid)}}`, JSON.stringify(claims())), want: 'reject' },
    { name: 'duplicated kid in header', token: raw(`{"alg":"ES256","kid":"no-such-key","kid":${JSON.stringify(kid)}}`, JSON.stringify(claims())), want: 'reject' },
    { name: 'duplicated sub in payload (admin, then cursor)', token: raw(header(), JSON.stringify(claims()).replace('"sub":"cursor"', '"sub":"admin","sub":"cursor"')), want: 'reject' },
    { name: 'duplicated sub in payload (cursor, then admin)', token: raw(header(), JSON.stringify(claims()).replace('"sub":"cursor"', '"sub":"cursor","sub":"admin"')), want: 'reject' },
    { name: 'duplicated sub, the second escaped', token: raw(header(), JSON.stringify(claims()).replace('"sub":"cursor"', '"sub":"cursor","s\\u0075b":"admin"')), want: 'reject' },
    { name: 'duplicated kind in payload (agent, then human)', token: raw(header(), JSON.stringify(claims()).replace('"kind":"agent"', '"kind":"agent","kind":"human"')), want: 'reject' },
    { name: 'duplicated groups in payload', token: raw(header(), JSON.stringify(claims()).replace('"groups":["agents"]', '"groups":["agents"],"groups":["dba"]')), want: 'reject' },
    { name: 'duplicated member inside a claim object', token: raw(header(), JSON.stringify(claims({ realm_access: { roles: ['viewer'] } })).replace('"roles":["viewer"]', '"roles":["viewer"],"roles":["admin"]')), want: 'reject' },
    { name: 'duplicated member in an object inside a claim array', token: raw(header(), JSON.stringify(claims({ grants: [{ db: 'a' }, { db: 'b' }] })).replace('"db":"b"', '"db":"b","db":"prod"')), want: 'reject' },
    { name: 'byte order mark before the header', token: raw(`\uFEFF${header()}`, JSON.stringify(claims())), want: 'reject' },
    { name: 'byte order mark before the claims', token: raw(header(), `\uFEFF${JSON.stringify(claims())}`), want: 'reject' },
    { name: 'claims not UTF-8 (a byte 0xff in sub)', token: (() => { const [x, y] = JSON.stringify(claims()).split('"sub":"cursor"') as [string, string]; const input = `${b64u(header())}.${b64u(Buffer.concat([Buffer.from(`${x}"sub":"cursor`), Buffer.from([0xff]), Buffer.from(`"${y}`)]))}`; return `${input}.${es256(keys.privateJwk, input)}` })(), want: 'reject' },
    { name: 'one name in different objects and inside a string', token: raw(header(), JSON.stringify(claims({ realm_access: { sub: 'x', roles: ['a'] }, grants: [{ sub: 1 }, { sub: 2 }], note: '"sub":"admin"' }))), want: 'accept', identity: agent },
    { name: 'exp missing', token: signed(without('exp')), want: 'reject' },
    { name: 'exp in the past', token: signed(claims({ exp: now - 3600 })), want: 'reject' },
    { name: 'exp 1 s past the skew', token: signed(claims({ exp: now - opts.skewSeconds - 1 })), want: 'reject' },
    { name: 'exp within the skew', token: signed(claims({ exp: now - Math.floor(opts.skewSeconds / 2) })), want: 'accept', identity: agent },
    { name: 'exp huge', token: signed(claims({ exp: 1e300 })), want: 'accept', identity: agent },
    { name: 'exp negative', token: signed(claims({ exp: -1 })), want: 'reject' },
    { name: 'exp fractional', token: signed(claims({ exp: now + 600.5 })), want: 'accept', identity: agent },
    { name: 'exp string', token: signed(claims({ exp: String(now + 600) })), want: 'reject' },
    { name: 'nbf in the future', token: signed(claims({ nbf: now + 3600 })), want: 'reject' },
    { name: 'nbf string', token: signed(claims({ nbf: String(now) })), want: 'reject' },
    { name: 'iat missing', token: signed(without('iat')), want: 'accept', identity: agent },
    { name: 'iat in the future', token: signed(claims({ iat: now + 3600 })), want: 'reject' },
    { name: 'iat negative', token: signed(claims({ iat: -1 })), want: 'accept', identity: agent },
    { name: 'iat string', token: signed(claims({ iat: String(now) })), want: 'reject' },
    { name: 'aud array with ours', token: signed(claims({ aud: ['other', opts.audience] })), want: 'accept', identity: agent },
    { name: 'aud array without ours', token: signed(claims({ aud: ['other', 'another'] })), want: 'reject' },
    { name: 'aud wrong', token: signed(claims({ aud: 'other' })), want: 'reject' },
    { name: 'aud empty string', token: signed(claims({ aud: '' })), want: 'reject' },
    { name: 'aud empty array', token: signed(claims({ aud: [] })), want: 'reject' },
    { name: 'aud missing', token: signed(without('aud')), want: 'reject' },
    { name: 'iss in another case', token: signed(claims({ iss: opts.issuer.toUpperCase() })), want: 'reject' },
    { name: 'iss with a trailing slash', token: signed(claims({ iss: `${opts.issuer}/` })), want: 'reject' },
    { name: 'sub empty', token: signed(claims({ sub: '' })), want: 'reject' },
    { name: 'sub with NUL', token: signed(claims({ sub: 'cursor\u0000admin' })), want: 'reject' },
    { name: 'sub with a newline', token: signed(claims({ sub: 'cursor\nadmin' })), want: 'reject' },
    { name: 'sub with a bidi override', token: signed(claims({ sub: 'cursor\u202Enimda' })), want: 'reject' },
    { name: 'sub a number', token: signed(claims({ sub: 42 })), want: 'reject' },
    { name: 'sub 4000 characters', token: signed(claims({ sub: 's'.repeat(4000) })), want: 'accept', identity: { ...agent, sub: 's'.repeat(4000) } },
    { name: 'groups a string', token: signed(claims({ groups: 'agents dba' })), want: 'accept', identity: { ...agent, groups: ['agents', 'dba'] } },
    { name: 'groups objects', token: signed(claims({ groups: [{ name: 'dba' }] })), want: 'reject' },
    { name: 'groups nested arrays', token: signed(claims({ groups: [['dba']] })), want: 'reject' },
    { name: 'groups an object', token: signed(claims({ groups: { dba: true } })), want: 'reject' },
    { name: 'groups 400 entries', token: signed(claims({ groups: ['agents', ...Array.from({ length: 399 }, (_, i) => `g${i}`)] })), want: 'accept', identity: { ...agent, groups: ['agents', ...Array.from({ length: 399 }, (_, i) => `g${i}`)] } },
    { name: 'kind human claimed by an agent-group token', token: signed(claims({ kind: 'human' })), want: 'accept', identity: { ...agent, kind: 'human' } },
    { name: 'kind "Human" (any other value is agent)', token: signed(claims({ kind: 'Human', groups: ['dba'] })), want: 'accept', identity: { sub: 'cursor', groups: ['dba'], kind: 'agent' } },
    { name: 'token of 20 KiB', token: sized(20 * 1024), want: 'accept', identity: agent },
    { name: 'token of 63.9 KiB', token: sized(64 * 1024 - 100), want: 'accept', identity: agent },
    { name: 'token at the 64 KiB limit', token: sized(64 * 1024), want: 'accept', identity: agent },
    { name: 'token over 64 KiB', token: sized(64 * 1024 + 100), want: 'reject' },
  ]
  return cases
}
