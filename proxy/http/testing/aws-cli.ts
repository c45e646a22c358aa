// The real aws CLI through the gateway's forward proxy as the agent: HTTPS_PROXY carries the agent's token as the
// proxy password, the gateway's CA is the bundle, S3 is addressed path-style (a one-URL upstream such as moto
// would not see a bucket named in the host), and the CLI signs with a key of its own that the gateway discards.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestGateway } from './gateway.ts'

export interface CliOut { code: number; stdout: string; stderr: string }

export function awsCli(bin: string, g: TestGateway, token: string, dir: string): (...args: string[]) => Promise<CliOut> {
  const config = join(dir, 'aws-config')
  writeFileSync(config, '[default]\ns3 =\n    addressing_style = path\n')
  return (...args) => {
    const env = { ...process.env }
    for (const name of Object.keys(env)) if (/^(AWS_|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)) delete env[name]
    const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
    Object.assign(env, {
      HOME: dir, HTTPS_PROXY: proxy, https_proxy: proxy, AWS_CA_BUNDLE: g.ca.bundle, REQUESTS_CA_BUNDLE: g.ca.bundle,
      AWS_ACCESS_KEY_ID: 'AKIDAGENTOWN00000001', AWS_SECRET_ACCESS_KEY: 'agent-own-secret', AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
    })
    return new Promise((resolve) => execFile(bin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })))
  }
}
