import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { IdentityConfig, IdentityProviderConfig } from '../config/types.ts'
import { IdentityError, type IdentityErrorCode } from './errors.ts'
import { createVerifier, type KeySources } from './verifier.ts'

// Real keys and a real JWKS endpoint on 127.0.0.1; the clock is injected so expiry and cache ages are exact.
const start = Date.parse('2026-03-01T12:00:00Z')
let clock = start
const now = () => clock
const seconds = () => Math.floor(clock / 1000)

const rsa = await generateKeyPair('RS256', { extractable: true })
const ec = await generateKeyPair('ES256', { extractable: true })
const rotated = await generateKeyPair('ES256', { extractable: true })
const publicJwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({ ...(await exportJWK(key)), kid, alg, use: 'sig' })
const rsaJwk = await publicJwk(rsa.publicKey, 'rsa-1', 'RS256')
const ecJwk = await publicJwk(ec.publicKey, 'ec-1', 'ES256')
const rotatedJwk = await publicJwk(rotated.publicKey, 'ec-2', 'ES256')

let served: { keys: JWK[] } = { keys: [rsaJwk, ecJwk] }
let failing = false
let hits = 0
const server = createServer((_req, res) => {
  hits++
  if (failing) return void res.writeHead(503).end('down')
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served))
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
test.after(() => void server.close())

const corp: IdentityProviderConfig = {
  name: 'corp', issuer: 'https://sso.example.com', audience: 'warden', jwks_url: jwksUrl,
  groups_claim: 'groups', agent_groups: ['agents'],
}
const config = (overrides: Partial<IdentityProviderConfig> = {}, skew = 30): IdentityConfig =>
  ({ clock_skew_seconds: skew, providers: [{ ...corp, ...overrides }] })

function fresh(identity = config(), keys: KeySources = {}) {
  served = { keys: [rsaJwk, ecJwk] }
  failing = false
  hits = 0
  return createVerifier(identity, { now, ...keys })
}

interface SignOptions { alg?: string; kid?: string; key?: CryptoKey | Uint8Array; header?: Record<string, unknown> }
async function sign(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'RS256'
  return new SignJWT({ iss: corp.issuer, aud: 'warden', sub: 'cursor', iat: seconds(), exp: seconds() + 300, ...claims })
    .setProtectedHeader({ alg, kid: options.kid ?? 'rsa-1', ...options.header })
    .sign(options.key ?? rsa.privateKey)
}

async function rejects(promise: Promise<unknown>, code: IdentityErrorCode): Promise<IdentityError> {
  const err = await promise.then(() => new Error(`expected ${code}, but the token was accepted`), (e: unknown) => e)
  assert.instance(err, IdentityError, (err as Error).message)
  assert.is((err as IdentityError).code, code, (err as Error).message)
  return err as IdentityError
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

test.before.each(() => { clock = start })

test('an RS256 token from the remote JWKS gives the identity with groups, kind, client id and email', async () => {
  const verifier = fresh()
  const identity = await verifier.verify(await sign({ groups: ['agents', 'eng'], azp: 'cursor-app', email: 'c@example.com' }))
  assert.equal(identity, { sub: 'cursor', issuer: corp.issuer, groups: ['agents', 'eng'], kind: 'agent', client_id: 'cursor-app', email: 'c@example.com' })
  assert.is(hits, 1)
})

test('an ES256 token verifies and a member of no agent group is human', async () => {
  const identity = await fresh().verify(await sign({ groups: ['dba'] }, { alg: 'ES256', kid: 'ec-1', key: ec.privateKey }))
  assert.is(identity.kind, 'human')
  assert.equal(identity.groups, ['dba'])
})

test('kind_claim decides the kind when it says agent or human', async () => {
  const verifier = fresh(config({ kind_claim: 'principal.type' }))
  assert.is((await verifier.verify(await sign({ groups: ['agents'], principal: { type: 'human' } }))).kind, 'human')
  assert.is((await verifier.verify(await sign({ groups: [], principal: { type: 'agent' } }))).kind, 'agent')
  assert.is((await verifier.verify(await sign({ groups: ['agents'], principal: { type: 'robot' } }))).kind, 'agent')
  assert.is((await verifier.verify(await sign({ groups: ['dba'] }))).kind, 'human', 'no kind claim: groups decide')
})

test('a kind claim of an unexpected value or shape makes an agent, never a human', async () => {
  const verifier = fresh(config({ kind_claim: 'principal.type' }))
  for (const type of ['Agent', 'AGENT', ['agent'], 'service', '', 0, false, { agent: true }, 'human ']) {
    assert.is((await verifier.verify(await sign({ groups: ['dba'], principal: { type } }))).kind, 'agent', JSON.stringify(type))
  }
})

test('groups come from a nested claim path, or a space/comma separated string', async () => {
  const nested = fresh(config({ groups_claim: 'realm_access.roles' }))
  assert.equal((await nested.verify(await sign({ realm_access: { roles: ['agents', 'dba'] } }))).groups, ['agents', 'dba'])
  assert.equal((await nested.verify(await sign({}))).groups, [])
  const flat = fresh(config({ groups_claim: 'scp' }))
  assert.equal((await flat.verify(await sign({ scp: 'agents dba,eng' }))).groups, ['agents', 'dba', 'eng'])
  await rejects(flat.verify(await sign({ scp: { agents: true } })), 'token.missing_claim')
})

test('alg none is refused', async () => {
  const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: corp.issuer, aud: 'warden', sub: 'cursor', exp: seconds() + 300 })}.`
  await rejects(fresh().verify(token), 'token.alg_not_allowed')
})

test('HS256 signed with the RSA public key as the secret is refused (algorithm confusion)', async () => {
  const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey))
  const token = await sign({}, { alg: 'HS256', key: secret })
  await rejects(fresh().verify(token), 'token.alg_not_allowed')
  // Even a provider configured (bypassing the schema) to list HS256 never accepts it.
  await rejects(fresh(config({ algorithms: ['HS256', 'RS256'] })).verify(token), 'token.alg_not_allowed')
})

test('an algorithm outside provider.algorithms is refused', async () => {
  const verifier = fresh(config({ algorithms: ['RS256'] }))
  await rejects(verifier.verify(await sign({}, { alg: 'ES256', kid: 'ec-1', key: ec.privateKey })), 'token.alg_not_allowed')
})

test('an issuer no provider trusts is refused without listing the trusted ones', async () => {
  const err = await rejects(fresh().verify(await sign({ iss: 'https://evil.example.com' })), 'token.unknown_issuer')
  assert.not.match(err.message, 'sso.example.com')
  assert.is(hits, 0)
})

test('a token for another audience is refused', async () => {
  await rejects(fresh().verify(await sign({ aud: 'other-api' })), 'token.wrong_audience')
  const many = fresh(config({ audience: ['api://warden', 'warden'] }))
  assert.is((await many.verify(await sign({ aud: 'warden' }))).sub, 'cursor')
})

test('an expired token is refused with when it expired and how to get a new one', async () => {
  const token = await sign({ exp: seconds() - 60 })
  const err = await rejects(fresh().verify(token), 'token.expired')
  assert.match(err.message, new Date((seconds() - 60) * 1000).toISOString())
  assert.match(err.message, 'your IdP')
})

test('a token not valid before a future time is refused', async () => {
  await rejects(fresh().verify(await sign({ nbf: seconds() + 120 })), 'token.not_yet_valid')
})

test('clock skew within clock_skew_seconds is tolerated, beyond it is not', async () => {
  const verifier = fresh(config({}, 30))
  assert.is((await verifier.verify(await sign({ exp: seconds() - 20 }))).sub, 'cursor')
  assert.is((await verifier.verify(await sign({ nbf: seconds() + 20 }))).sub, 'cursor')
  await rejects(verifier.verify(await sign({ exp: seconds() - 40 })), 'token.expired')
})

test('a tampered payload fails the signature check', async () => {
  const [header, , signature] = (await sign({ groups: ['agents'] })).split('.')
  const forged = `${header}.${b64({ iss: corp.issuer, aud: 'warden', sub: 'cursor', exp: seconds() + 300, groups: ['dba'] })}.${signature}`
  await rejects(fresh().verify(forged), 'token.bad_signature')
})

test('sub and exp are required', async () => {
  const verifier = fresh()
  await rejects(verifier.verify(await sign({ sub: undefined })), 'token.missing_claim')
  await rejects(verifier.verify(await sign({ exp: undefined })), 'token.missing_claim')
  await rejects(verifier.verify(await sign({ sub: '' })), 'token.missing_claim')
})

test('garbage is malformed', async () => {
  const verifier = fresh()
  await rejects(verifier.verify('not-a-token'), 'token.malformed')
  await rejects(verifier.verify('a.b.c'), 'token.malformed')
})

test('an unknown kid refreshes the JWKS at most once per cooldown', async () => {
  const verifier = fresh()
  await verifier.verify(await sign({}))
  clock += 31_000
  const bogus = await Promise.all(Array.from({ length: 20 }, (_, i) => sign({}, { kid: `bogus-${i}` })))
  for (const token of bogus) await rejects(verifier.verify(token), 'token.unknown_key')
  assert.is(hits, 2, 'one load, then one refresh for the whole flood')
})

test('key rotation: a token with a new kid triggers a refresh and verifies', async () => {
  const verifier = fresh()
  await verifier.verify(await sign({}))
  served = { keys: [rsaJwk, ecJwk, rotatedJwk] }
  const token = await sign({}, { alg: 'ES256', kid: 'ec-2', key: rotated.privateKey })
  await rejects(verifier.verify(token), 'token.unknown_key') // still within the cooldown of the first load
  assert.is(hits, 1)
  clock += 31_000
  assert.is((await verifier.verify(await sign({}, { alg: 'ES256', kid: 'ec-2', key: rotated.privateKey }))).sub, 'cursor')
  assert.is(hits, 2)
})

test('keys are reloaded after their TTL; stale keys stay in use when the reload fails', async () => {
  const verifier = fresh()
  await verifier.verify(await sign({}))
  clock += 11 * 60_000
  failing = true
  assert.is((await verifier.verify(await sign({}))).sub, 'cursor')
  assert.is(hits, 2)
  failing = false
  clock += 11 * 60_000
  await verifier.verify(await sign({}))
  assert.is(hits, 3)
})

test('an unreachable JWKS gives jwks_unavailable', async () => {
  const verifier = fresh()
  failing = true
  const err = await rejects(verifier.verify(await sign({})), 'token.jwks_unavailable')
  assert.match(err.message, '503')
  const invalid = createVerifier(config(), { now, fetchJwks: async () => ({ not: 'a jwks' }) })
  await rejects(invalid.verify(await sign({})), 'token.jwks_unavailable')
})

test('a JWKS file provider reads keys through readJwksFile', async () => {
  const paths: string[] = []
  const fileConfig = config({ jwks_url: undefined, jwks_file: '/keys/jwks.json' })
  const verifier = createVerifier(fileConfig, { now, readJwksFile: async (path) => (paths.push(path), { keys: [ecJwk] }) })
  assert.is((await verifier.verify(await sign({}, { alg: 'ES256', kid: 'ec-1', key: ec.privateKey }))).sub, 'cursor')
  assert.equal(paths, ['/keys/jwks.json'])
  await rejects(createVerifier(fileConfig, { now }).verify(await sign({})), 'token.jwks_unavailable')
})

test('a token signed by a key the provider does not publish is refused', async () => {
  const other = await generateKeyPair('RS256')
  await rejects(fresh().verify(await sign({}, { key: other.privateKey })), 'token.bad_signature')
})

// Hand-built tokens: header and payload text exactly as given (duplicate keys, odd types), signed with the RSA key.
async function signRaw(headerText: string | Buffer, payloadText: string | Buffer, key: CryptoKey = rsa.privateKey): Promise<string> {
  const input = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`
  const signature = await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, key, new TextEncoder().encode(input))
  return `${input}.${Buffer.from(signature).toString('base64url')}`
}
const claimsText = (extra = '') => `{"iss":${JSON.stringify(corp.issuer)},"aud":"warden","sub":"cursor","exp":${seconds() + 300}${extra}}`

test('a crit header naming an extension the verifier does not implement is refused', async () => {
  const token = await signRaw('{"alg":"RS256","kid":"rsa-1","crit":["x-approved"],"x-approved":true}', claimsText())
  await rejects(fresh().verify(token), 'token.malformed')
})

test('exp and nbf that are not numbers are refused; a fractional exp is a time like any other', async () => {
  const verifier = fresh()
  await rejects(verifier.verify(await sign({ exp: String(seconds() + 300) as unknown as number })), 'token.malformed')
  await rejects(verifier.verify(await sign({ exp: `${seconds() + 300}` as unknown as number, nbf: 'now' as unknown as number })), 'token.malformed')
  await rejects(verifier.verify(await sign({ nbf: String(seconds() + 3600) as unknown as number })), 'token.malformed')
  assert.is((await verifier.verify(await sign({ exp: seconds() + 0.5 }))).sub, 'cursor')
  await rejects(verifier.verify(await sign({ exp: seconds() - 30.5 })), 'token.expired')
})

test('aud arrays: accepted when they include the audience, refused otherwise', async () => {
  const verifier = fresh()
  assert.is((await verifier.verify(await sign({ aud: ['other', 'warden'] }))).sub, 'cursor')
  await rejects(verifier.verify(await sign({ aud: ['other', 'Warden', 'warden '] })), 'token.wrong_audience')
  await rejects(verifier.verify(await sign({ aud: [] })), 'token.wrong_audience')
})

test('a member named twice in the header or the claims, at any depth and however escaped, is refused with its name', async () => {
  const verifier = fresh()
  const header = '{"alg":"RS256","kid":"rsa-1"}'
  const cases: Array<[string, string, RegExp]> = [
    [header, claimsText().replace('{', '{"iss":"https://evil.example",'), /payload names the member "iss" twice;/],
    [header, claimsText(',"iss":"https://evil.example"'), /payload names the member "iss" twice;/],
    [header, claimsText(',"sub":"alice","groups":["agents"],"groups":["dba"]'), /payload names the member "sub" twice;/],
    [header, claimsText(',"s\\u0075b":"admin"'), /payload names the member "sub" twice;/],
    [header, claimsText(',"realm_access":{"roles":["viewer"],"roles":["admin"]}'), /payload names the member "roles" twice inside "realm_access";/],
    [header, claimsText(',"resource_access":[{"a":1},{"role":"x","role":"y"}]'), /payload names the member "role" twice inside "resource_access" \[1\];/],
    ['{"alg":"none","alg":"RS256","kid":"rsa-1"}', claimsText(), /header names the member "alg" twice;/],
    ['{"alg":"RS256","kid":"other","kid":"rsa-1"}', claimsText(), /header names the member "kid" twice;/],
    [header, claimsText(`,"${'x'.repeat(200)}":1,"${'x'.repeat(200)}":2`), /member "x{57}\.\.\." twice/],
  ]
  for (const [h, p, reason] of cases) {
    const token = await signRaw(h, p)
    const err = await rejects(verifier.verify(token), 'token.malformed')
    assert.match(err.message, reason, p)
    assert.not.ok(err.message.includes(token.split('.')[1]!.slice(0, 16)), 'the reason does not repeat the token')
  }
  // The same name in different objects, or inside a string, is no duplicate.
  const spread = await signRaw(header, claimsText(',"realm_access":{"sub":"x","roles":["a"]},"resource_access":[{"roles":1},{"roles":2}],"note":"\\"sub\\":\\"admin\\""'))
  assert.is((await verifier.verify(spread)).sub, 'cursor')
})

test('a header or claims set that is not UTF-8 or starts with a byte order mark is refused, not read leniently', async () => {
  const verifier = fresh()
  const header = '{"alg":"RS256","kid":"rsa-1"}'
  const [before, after] = claimsText().split('"sub":"cursor"') as [string, string]
  const withSub = (bytes: number[]) => Buffer.concat([Buffer.from(`${before}"sub":"cursor`), Buffer.from(bytes), Buffer.from(`"${after}`)])
  // Read leniently, both subjects would be "cursor\uFFFD": two tokens, one caller. (jose decodes strictly.)
  for (const bytes of [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80]]) await rejects(verifier.verify(await signRaw(header, withSub(bytes))), 'token.malformed')
  await rejects(verifier.verify(await signRaw(Buffer.from([0xff, ...Buffer.from(header)]), claimsText())), 'token.malformed')
  assert.match((await rejects(verifier.verify(await signRaw(`\uFEFF${header}`, claimsText())), 'token.malformed')).message, /token header starts with a byte order mark/)
  assert.match((await rejects(verifier.verify(await signRaw(header, `\uFEFF${claimsText()}`)), 'token.malformed')).message, /token payload starts with a byte order mark/)
  assert.is((await verifier.verify(await signRaw(header, claimsText(',"name":"Zoë \u{1F600}"')))).sub, 'cursor', 'UTF-8 beyond ASCII is fine')
})

test('a nested JWT (cty: JWT) is not unwrapped: its payload is not a claims set', async () => {
  const inner = await sign({ sub: 'alice', groups: ['dba'] })
  const outer = await signRaw('{"alg":"RS256","kid":"rsa-1","cty":"JWT"}', inner)
  await rejects(fresh().verify(outer), 'token.malformed')
})

test('a key embedded in the header (jwk, jku, x5u) is never trusted', async () => {
  const attacker = await generateKeyPair('RS256', { extractable: true })
  const jwk = await publicJwk(attacker.publicKey, 'rsa-1', 'RS256')
  for (const header of [{ jwk }, { jku: `${jwksUrl}?evil` }, { x5u: 'https://evil.example/cert.pem' }]) {
    await rejects(fresh().verify(await sign({}, { key: attacker.privateKey, header })), 'token.bad_signature')
  }
})

test('kid tricks: a path, a kid of another key type, or no kid at all never pick a key the issuer did not publish', async () => {
  const verifier = fresh()
  const attacker = await generateKeyPair('RS256')
  await rejects(verifier.verify(await sign({}, { key: attacker.privateKey, kid: '../../dev/null' })), 'token.unknown_key')
  await rejects(verifier.verify(await sign({}, { kid: 'ec-1' })), 'token.unknown_key')
  await rejects(verifier.verify(await signRaw('{"alg":"RS256"}', claimsText(), attacker.privateKey)), 'token.bad_signature')
})

test('an oversized token is refused before it is decoded or its signature computed', async () => {
  const verifier = fresh()
  const huge = await sign({ padding: 'x'.repeat(256 * 1024) })
  assert.match((await rejects(verifier.verify(huge), 'token.malformed')).message, /larger than 65536 characters/, 'even when signed')
  const forged = `${huge.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`
  assert.match((await rejects(verifier.verify(forged), 'token.malformed')).message, /larger than/)
  assert.is(hits, 0, 'refused before any key was looked up')
  assert.is((await verifier.verify(await sign({ padding: 'x'.repeat(8 * 1024) }))).sub, 'cursor', 'a large but reasonable token is fine')
})

test('a refusal never repeats the token: no part of a malformed, forged or unknown token is in the message', async () => {
  const secret = 'zq9SECRETpart'
  const verifier = fresh()
  const tokens = [
    `${secret}.${secret}.${secret}`,
    `${b64({ alg: 'RS256', kid: secret })}.${b64({ iss: corp.issuer, sub: secret, exp: seconds() + 300 })}.${secret}`,
    `${b64({ alg: 'RS256' })}.${Buffer.from(`{"sub":"${secret}"`).toString('base64url')}.x`,
    await sign({ aud: 'other', sub: secret }),
    await sign({ sub: secret }, { kid: secret }),
  ]
  for (const token of tokens) {
    const err = await verifier.verify(token).then(() => undefined, (e: unknown) => e as Error)
    assert.instance(err, IdentityError)
    assert.not.match(err!.message, secret)
    assert.not.match(err!.message, token.split('.')[1]!.slice(0, 12))
  }
})

test('an issuer differing only by a trailing slash, case or spacing is another issuer, refused before any key is fetched', async () => {
  const verifier = fresh()
  for (const iss of [`${corp.issuer}/`, corp.issuer.toUpperCase(), 'https://SSO.example.com', ` ${corp.issuer}`, `${corp.issuer}\u0000`]) {
    await rejects(verifier.verify(await sign({ iss })), 'token.unknown_issuer')
  }
  assert.is(hits, 0)
})

test('a sub or email holding control, format or bidi characters is refused: it would reach terminals, logs and stores as the caller', async () => {
  const verifier = fresh()
  for (const sub of ['alice\u0000', 'mallory\u001b[2Kalice', 'alice\r\nbob', 'alice\u200b', '\u202eecila', 'alice\u0085', 'alice\ud800']) {
    const err = await rejects(verifier.verify(await sign({ sub })), 'token.malformed')
    assert.match(err.message, 'sub')
  }
  await rejects(verifier.verify(await sign({ email: 'alice@example.com\u0000' })), 'token.malformed')
  assert.is((await verifier.verify(await sign({ sub: 'Ålice.o\'brien@example.com|00u1' }))).sub, 'Ålice.o\'brien@example.com|00u1', 'printable text of any script is fine')
})

test('a token for another gateway of the same issuer (another audience), or for no audience, is refused', async () => {
  const verifier = fresh()
  await rejects(verifier.verify(await sign({ aud: 'warden-staging' })), 'token.wrong_audience')
  await rejects(verifier.verify(await sign({ aud: undefined })), 'token.missing_claim')
})

test('a token must be unpadded base64url as RFC 7515 writes it: padding, base64 + and /, or spaces are refused even when signed as written', async () => {
  const verifier = fresh()
  const b64Std = (text: string) => Buffer.from(text).toString('base64')
  const payload = claimsText(',"note":">>>???"')
  assert.match(b64Std(payload), /[+/]/, 'the payload encodes with + or / in base64')
  const signAs = async (input: string) => `${input}.${Buffer.from(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, Buffer.from(input))).toString('base64url')}`
  const header = '{"alg":"RS256","kid":"rsa-1"}'
  assert.match(b64Std(header), /=$/, 'the header is padded in base64')
  assert.is((await verifier.verify(await signAs(`${b64(JSON.parse(header))}.${Buffer.from(payload).toString('base64url')}`))).sub, 'cursor', 'the canonical form verifies')
  for (const input of [
    `${b64(JSON.parse(header))}.${b64Std(payload).replace(/=+$/, '')}`,
    `${b64Std(header)}.${Buffer.from(payload).toString('base64url')}`,
    `${b64(JSON.parse(header))}. ${Buffer.from(payload).toString('base64url')}`,
  ]) {
    assert.match((await rejects(verifier.verify(await signAs(input)), 'token.malformed')).message, /unpadded base64url/)
  }
})

test('a b64 header (RFC 7797 unencoded payload) is refused with or without crit: readers disagree on what was signed', async () => {
  const verifier = fresh()
  await rejects(verifier.verify(await signRaw('{"alg":"RS256","kid":"rsa-1","b64":false}', claimsText())), 'token.malformed')
  await rejects(verifier.verify(await signRaw('{"alg":"RS256","kid":"rsa-1","b64":true}', claimsText())), 'token.malformed')
})

test('a token issued in the future (iat past the clock skew) is not valid yet; within the skew it is', async () => {
  const verifier = fresh(config({}, 30))
  assert.match((await rejects(verifier.verify(await sign({ iat: seconds() + 31 })), 'token.not_yet_valid')).message, /issued at .* in the future/)
  assert.is((await verifier.verify(await sign({ iat: seconds() + 29 }))).sub, 'cursor')
  assert.is((await verifier.verify(await sign({ iat: undefined }))).sub, 'cursor', 'iat stays optional')
})

test('spaces, tabs and line ends around a token are dropped, as HTTP drops them from a header value; inside it they are refused', async () => {
  const verifier = fresh()
  const token = await sign({})
  for (const presented of [` ${token}`, `${token}\n`, `\t${token} \r\n`]) assert.is((await verifier.verify(presented)).sub, 'cursor', JSON.stringify(presented.slice(-4)))
  const [h, p, s] = token.split('.')
  await rejects(verifier.verify(`${h}. ${p}.${s}`), 'token.malformed')
  await rejects(verifier.verify(`${h}.${p}\n.${s}`), 'token.malformed')
})

test.run()
