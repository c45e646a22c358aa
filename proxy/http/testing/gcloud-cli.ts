// The real gcloud through the gateway's forward proxy as the agent: HTTPS_PROXY carries the agent's token as the
// proxy password, the gateway's CA is the bundle, and gcloud sends the same token (--access-token-file) as its
// own credential, which the gateway replaces with the target's.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CliOut } from './aws-cli.ts'
import type { TestGateway } from './gateway.ts'

export function gcloudCli(bin: string, g: TestGateway, token: string, dir: string): (...args: string[]) => Promise<CliOut> {
  const tokenFile = join(dir, 'agent-token')
  writeFileSync(tokenFile, token)
  return (...args) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of Object.keys(env)) if (/^(CLOUDSDK_|https?_proxy$|HTTPS?_PROXY$)/.test(name)) delete env[name]
    Object.assign(env, {
      HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'warden-test',
      REQUESTS_CA_BUNDLE: g.ca.bundle, CURL_CA_BUNDLE: g.ca.bundle, SSL_CERT_FILE: g.ca.bundle,
      HTTPS_PROXY: g.proxy.url.replace('http://', `http://agent:${token}@`),
    })
    return new Promise((resolve) => execFile(bin, [...args, '--access-token-file', tokenFile], { env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })))
  }
}
