import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { claimAt, groupsFrom, identityFrom } from './claims.ts'
import { IdentityError } from './errors.ts'

const provider = { name: 'p', issuer: 'https://idp', audience: 'warden', jwks_url: 'https://idp/jwks', groups_claim: 'groups', agent_groups: ['agents'] }

test('claimAt prefers an exact key containing dots, then walks a dot path', () => {
  assert.equal(claimAt({ 'https://example.com/groups': ['a'] }, 'https://example.com/groups'), ['a'])
  assert.equal(claimAt({ realm_access: { roles: ['b'] } }, 'realm_access.roles'), ['b'])
  assert.is(claimAt({ realm_access: ['x'] }, 'realm_access.roles'), undefined)
  assert.is(claimAt({}, 'a.b'), undefined)
})

test('groupsFrom accepts arrays of strings and separated strings, refuses other shapes', () => {
  assert.equal(groupsFrom(['a', 'b', 'a'], 'g'), ['a', 'b'])
  assert.equal(groupsFrom(' a, b  c,', 'g'), ['a', 'b', 'c'])
  assert.equal(groupsFrom(undefined, 'g'), [])
  assert.throws(() => groupsFrom(['a', 1], 'g'), (e: unknown) => e instanceof IdentityError && e.code === 'token.missing_claim')
  assert.throws(() => groupsFrom(7, 'g'), (e: unknown) => e instanceof IdentityError)
})

test('client_id comes from client_id, azp or cid, in that order', () => {
  const base = { sub: 's', exp: 1 }
  assert.is(identityFrom({ ...base, azp: 'a', cid: 'c' }, provider).client_id, 'a')
  assert.is(identityFrom({ ...base, cid: 'c' }, provider).client_id, 'c')
  assert.is(identityFrom({ ...base, client_id: 'x', azp: 'a' }, provider).client_id, 'x')
  assert.not.ok('client_id' in identityFrom(base, provider))
})

test('groups kept elsewhere (an Entra ID overage claim, hasgroups) are refused, not read as none: that would make an agent a human', () => {
  const base = { sub: 'deploy-bot', exp: 1 }
  const refused = (payload: Record<string, unknown>, claim = 'groups') => {
    try {
      identityFrom(payload, { ...provider, groups_claim: claim })
      return undefined
    } catch (err) {
      return err instanceof IdentityError ? err.code : String(err)
    }
  }
  const overage = { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } } }
  assert.is(refused({ ...base, ...overage }), 'token.missing_claim')
  assert.is(refused({ ...base, hasgroups: true }), 'token.missing_claim')
  assert.is(refused({ ...base, ...overage, groups: null }), 'token.missing_claim', 'a null list is none, as an absent one')
  assert.is(refused({ ...base, hasgroups: true, groups: null }), 'token.missing_claim')
  assert.is(refused({ ...base, _claim_names: { roles: 'src1' }, realm: 1 }, 'roles'), 'token.missing_claim')
  // The groups themselves present, or another claim kept elsewhere: read as usual.
  assert.equal(identityFrom({ ...base, ...overage, groups: ['agents'] }, provider).kind, 'agent')
  assert.equal(identityFrom({ ...base, _claim_names: { email: 'src1' } }, provider).groups, [])
  assert.equal(identityFrom({ ...base, hasgroups: false }, provider).groups, [])
})

test.run()
