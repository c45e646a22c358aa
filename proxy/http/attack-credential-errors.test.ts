// A failing token command's 503 quoted execFile's message to the agent: the command line (an argument may be a
// secret) and everything the command wrote to stderr (a credential helper's error may quote the token it could not
// refresh). The answer now names the program and how it failed (proxy/http/secrets.ts); the cause keeps the rest.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { HttpCredentialConfig, TargetConfig } from '../../engine/config/types.ts'
import { upstreamCredential } from './credentials.ts'
import { HttpGatewayError } from './errors.ts'

const target = (credential: HttpCredentialConfig): TargetConfig =>
  ({ name: 'api', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: 'https://api.example', credential, hosts: [] } })
const req = () => ({ method: 'GET', url: new URL('https://api.example/x'), headers: { accept: 'application/json' } })

async function failure(command: string[]): Promise<HttpGatewayError> {
  const err = await upstreamCredential(target({ kind: 'bearer', token_command: command }), { PATH: process.env.PATH }).apply(req()).then(() => undefined, (e: unknown) => e)
  assert.instance(err, HttpGatewayError)
  assert.is((err as HttpGatewayError).status, 503)
  return err as HttpGatewayError
}

test('a failing command\'s answer quotes neither its arguments nor its stderr, where a credential helper may print the token', async () => {
  const err = await failure(['sh', '-c', 'echo "refresh of sk-live-S3cr3t failed" >&2; exit 3', '--client-secret=S3cr3t-arg'])
  assert.match(err.message, 'run sh (token): it exited with code 3')
  assert.not.match(err.message, 'S3cr3t')
  assert.match(String((err.cause as Error).message), 'sk-live-S3cr3t', 'the cause keeps it for the operator')
  assert.match((await failure(['no-such-helper-x'])).message, 'it could not be run (ENOENT)')
})

test.run()
