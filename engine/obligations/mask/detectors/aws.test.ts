import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { awsAccessKey } from './aws.ts'
import { hits } from './test-helpers.ts'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

test('finds access key ids', () => {
  assert.equal(hits(awsAccessKey, 'id=AKIAIOSFODNN7EXAMPLE tmp ASIAY34FZKBOKMUTVV7A'), ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A'])
})

test('finds secret keys assigned to a recognisable name, masking only the value', () => {
  assert.equal(hits(awsAccessKey, `aws_secret_access_key = ${SECRET}`), [SECRET])
  assert.equal(hits(awsAccessKey, `export AWS_SECRET_ACCESS_KEY="${SECRET}"`), [SECRET])
  assert.equal(hits(awsAccessKey, `{"SecretAccessKey": "${SECRET}"}`), [SECRET])
  assert.equal(hits(awsAccessKey, `<Credentials><SecretAccessKey>${SECRET}</SecretAccessKey></Credentials>`), [SECRET], 'XML (STS, IAM)')
  assert.ok(awsAccessKey.assignedTo!('SecretAccessKey') && awsAccessKey.assignedTo!('aws_secret_access_key'))
  assert.not.ok(awsAccessKey.assignedTo!('secret') || awsAccessKey.assignedTo!('SecretAccessKeyId'))
  const [span] = awsAccessKey.find(`aws_secret_key: ${SECRET}`)
  assert.is(span?.label, 'aws_secret')
})

test('ignores near misses', () => {
  for (const text of [
    'AKIAIOSFODNN7EXAMPL', // 15 after the prefix
    'AKIAIOSFODNN7EXAMPLE1', // 17
    'XAKIAIOSFODNN7EXAMPLE',
    'AKIAiosfodnn7example',
    'ABIAIOSFODNN7EXAMPLE',
    `secret = ${SECRET}`, // no AWS name
    `aws_secret_access_key = ${SECRET}X`, // 41 characters
  ]) {
    assert.equal(hits(awsAccessKey, text), [], text)
  }
})

test.run()
