import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { forwardableHeaders } from './headers.ts'

test('identity headers an authenticating proxy would assert never go upstream: the agent cannot speak as the gateway', () => {
  const out = forwardableHeaders([
    ['X-Remote-User', 'system:admin'], ['X-Remote-Group', 'system:masters'], ['X-Remote-Uid', '0'], ['X-Remote-Extra-Scopes', 'all'],
    ['X-Forwarded-User', 'admin'], ['X-Forwarded-Email', 'admin@example.com'], ['X-Forwarded-Groups', 'admins'],
    ['X-Auth-Request-User', 'admin'], ['Remote-User', 'admin'], ['X-WEBAUTH-USER', 'admin'],
    ['X-MS-CLIENT-PRINCIPAL-NAME', 'admin'], ['X-Goog-Authenticated-User-Email', 'accounts.google.com:admin@example.com'],
    ['X-Goog-IAP-JWT-Assertion', 'eyJ.x.y'], ['X-Amzn-Oidc-Identity', 'admin'],
    ['Accept', 'application/json'], ['X-Forwarded-Proto', 'https'], ['X-Request-Id', 'r1'], ['Impersonate-User', 'jane'],
  ], false)
  assert.equal(out, { accept: 'application/json', 'x-forwarded-proto': 'https', 'x-request-id': 'r1', 'impersonate-user': 'jane' })
})

test('identity headers spelled with underscores are dropped too (CGI, WSGI, Rack and PHP read X_Remote_User as X-Remote-User)', () => {
  const out = forwardableHeaders([
    ['X_Remote_User', 'system:admin'], ['x_remote_group', 'system:masters'], ['X-Forwarded_User', 'root'], ['Remote_User', 'root'],
    ['X_Warden_Identity', 'x'], ['accept', '*/*'],
  ], false)
  assert.equal(out, { accept: '*/*' })
})

test('forwarding headers (client address, host, port, path prefix) never go upstream: the agent cannot pose as another client or host behind the gateway', () => {
  const out = forwardableHeaders([
    ['X-Forwarded-For', '127.0.0.1'], ['Forwarded', 'for=127.0.0.1;host=admin.internal'], ['X-Forwarded-Host', 'admin.internal'],
    ['X-Forwarded-Port', '8443'], ['X-Forwarded-Prefix', '/admin'], ['X_Forwarded_For', '10.0.0.1'], ['X-Real-IP', '127.0.0.1'],
    ['True-Client-IP', '127.0.0.1'], ['X-Client-IP', '127.0.0.1'], ['CF-Connecting-IP', '127.0.0.1'], ['X-Original-Host', 'admin.internal'],
    ['X-Forwarded-Proto', 'https'], ['Accept', '*/*'],
  ], false)
  assert.equal(out, { 'x-forwarded-proto': 'https', accept: '*/*' })
})

test.run()
