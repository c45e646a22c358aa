// warden ca: where the forward proxy's CA certificate is, and the exact client settings that trust it.
import { existsSync } from 'node:fs'
import { parseFlags, withUsage } from '../args.ts'
import { CONFIG_FLAGS, CONFIG_USAGE, loadCommandConfig } from '../command-config.ts'
import type { ExitCode, Io } from '../io.ts'
import { ensureCa } from '../../proxy/http/ca.ts'
import { ensureStateDir } from '../../proxy/server/state.ts'
import { commandFlags } from '../../proxy/server/summary.ts'

const usage = `usage: warden ca [--config FILE] [--state-dir DIR] [--path]

Prints the path of the HTTPS proxy's CA certificate (created in <state_dir>/ca on first use, key mode 0600)
and the settings that make curl, node, Python (gcloud), the aws CLI and gcloud trust it and use the proxy.

  --path           print only the CA certificate's path
${CONFIG_USAGE}
`

export function caInstructions(p: { cert: string; bundle: string }, proxy: { host: string; port: number }, configFlag: string): string {
  const hostPort = `${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`
  const token = `$(npx warden token --as cursor --group agents${configFlag})`
  return `Warden HTTPS proxy CA
  certificate  ${p.cert}
  bundle       ${p.bundle}   (the system CAs plus this CA)

This machine presets SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE and AWS_CA_BUNDLE to the system bundle;
each of them replaces a tool's own CA setting, so point them at the combined bundle (it still trusts every
public CA, so uninspected and direct traffic keeps working):

  export TOKEN="${token}"
  export HTTPS_PROXY="http://agent:$TOKEN@${hostPort}"   # the token is the proxy password
  export SSL_CERT_FILE=${p.bundle}
  export CURL_CA_BUNDLE=${p.bundle}         # curl
  export REQUESTS_CA_BUNDLE=${p.bundle}     # Python requests: gcloud, and anything else in Python
  export AWS_CA_BUNDLE=${p.bundle}          # aws CLI (overrides its ca_bundle setting)
  export NODE_EXTRA_CA_CERTS=${p.cert}      # node: added to its built-in CAs, read at start

curl:
  curl --proxy "http://agent:$TOKEN@${hostPort}" --cacert ${p.bundle} https://…

gcloud (REQUESTS_CA_BUNDLE above wins over core/custom_ca_certs_file; set both so either path works):
  gcloud config set core/custom_ca_certs_file ${p.bundle}
  gcloud config set proxy/type http
  gcloud config set proxy/address ${proxy.host}
  gcloud config set proxy/port ${proxy.port}
  gcloud config set proxy/username agent
  gcloud config set proxy/password "$TOKEN"

aws:
  HTTPS_PROXY="http://agent:$TOKEN@${hostPort}" AWS_CA_BUNDLE=${p.bundle} aws s3 ls

kubectl ignores HTTPS_PROXY for 127.0.0.1 and does not read the variables above: use the reverse route
(kubeconfig server: http://<gateway>/t/<target>) or the kubeconfig's proxy-url plus certificate-authority.
`
}

export async function runCa(args: string[], io: Io): Promise<ExitCode> {
  return withUsage(io, async () => {
    const { values } = parseFlags(args, { ...CONFIG_FLAGS, path: { type: 'boolean' } }, usage)
    if (values.help) { io.out(usage); return 0 }
    const { config } = await loadCommandConfig(values, io)
    // A CA in a directory another user owns may be theirs: trusting it (bundle.pem) would let them intercept anything.
    ensureStateDir(config.state_dir)
    const created = !existsSync(`${config.state_dir}/ca/ca.pem`)
    const paths = await ensureCa(config.state_dir, io.env)
    if (values.path) { io.out(`${paths.cert}\n`); return 0 }
    if (created) io.err(`created a new CA in ${paths.dir}\n`)
    const configFlag = commandFlags({ configArg: values.config as string | undefined, stateDirArg: values['state-dir'] as string | undefined })
    io.out(caInstructions(paths, config.listeners.http_proxy, configFlag))
    return 0
  })
}
