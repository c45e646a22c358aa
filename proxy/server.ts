// `warden up`: wires the configuration to running parts, top to bottom — state directory and its keys,
// TLS, identity, policy, audit, embedded demo databases, the engine, then the PostgreSQL listener and the
// admin API. A step that fails closes whatever earlier steps started.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { checkDevIssuer } from './server/dev-issuer-guard.ts'
import { loadOrCreateDevKey } from './server/dev-key.ts'
import { checkPlaintextListeners } from './server/plaintext-guard.ts'
import { checkTrustedFiles } from './server/trusted-files.ts'
import { checkUpstreamTls } from './server/upstream-tls-guard.ts'
import type { Config } from '../engine/config/types.ts'
import { DecidePool } from '../engine/decide/pool.ts'
import { createGatewayEngine } from '../engine/gateway-engine.ts'
import { createVerifier } from '../engine/identity/verifier.ts'
import { createAdminHandler } from './admin/handler.ts'
import { type AdminServer, serveAdmin } from './admin/node-server.ts'
import { type DemoDatabases, startDemoDatabases } from './demo/demo-databases.ts'
import { type CaPaths, createLeafIssuer, ensureCa } from './http/ca.ts'
import { listenForward } from './http/forward-proxy.ts'
import { createHttpGateway } from './http/handler.ts'
import { type HttpListener, listenReverse } from './http/node-server.ts'
import { recordSendTimeout, SEND_TIMEOUT_MS } from './http/send-timeout.ts'
import { HTTP_TARGET_KINDS } from '../engine/config/http-upstream.ts'
import { type PostgresListener, startPostgresListener } from './postgres/listener.ts'
import { openTrailReader } from './server/audit-reader.ts'
import { openApprovals } from './server/approvals.ts'
import { openAuditTrail } from './server/audit-trail.ts'
import { openDryRunPolicy } from './server/dry-run-policy.ts'
import { startMemoryTrim } from './server/memory-trim.ts'
import { loadPolicy } from './server/policy.ts'
import { labelledAuditSink } from './server/audit-labels.ts'
import { ensureStateDir, loadOrCreateGatewayId, loadOrCreateMaskKey } from './server/state.ts'
import { commandFlags, startupSummary } from './server/summary.ts'
import { resolveTls, type TlsMaterial } from './server/tls.ts'
import { type EmbeddedEndpoint, planUpstreams } from './server/upstreams.ts'
import { CodedError } from '../engine/errors.ts'

export interface RunningGateway {
  postgres: PostgresListener
  admin: AdminServer
  /** The backend of the embedded demo targets, when the config has any. */
  demo?: DemoDatabases
  /** The HTTP(S) gateway, when the config has http, kubernetes, gcp or aws targets. */
  http?: { reverse: HttpListener; proxy: HttpListener; ca: CaPaths }
  /** The human start-up summary (listeners, targets, how to get a token and connect). */
  summary: string
  close(): Promise<void>
}

export interface GatewayOptions {
  log: Logger
  /** The Warden checkout: default policies live in <packageRoot>/policies. */
  packageRoot: string
  /** The OPA binary that compiles policy.source; found like `warden build` finds it when absent. */
  opa?: string
  /** Environment for upstream `password_env`, WARDEN_DEMO_BACKEND and PG_BIN; process.env when absent. */
  env?: Record<string, string | undefined>
  /** The --config argument as the user typed it, repeated in the commands the gateway suggests. */
  configArg?: string
  /** The --state-dir argument as typed, repeated likewise (the commands must find the same dev key). */
  stateDirArg?: string
  /** Where the state directory came from, for the summary: flag, env, config or default. */
  stateDirFrom?: string
}

export class GatewayStartError extends CodedError<string> {}

export async function startGateway(config: Config, opts: GatewayOptions): Promise<RunningGateway> {
  const { log } = opts
  const closers: Array<() => Promise<void>> = []
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((err) => log.error({ err }, 'shutdown step failed'))
  }
  try {
    const devWarning = checkDevIssuer(config)
    if (devWarning) log.warn(devWarning)
    checkUpstreamTls(config)
    checkPlaintextListeners(config)
    checkTrustedFiles(config)
    ensureStateDir(config.state_dir)
    const maskKey = loadOrCreateMaskKey(config.state_dir)
    const tls = await tlsOrPlaintext(config, log)

    const dev = config.identity.providers.some((p) => p.dev)
    const devPublicJwk = dev ? (await loadOrCreateDevKey(config.state_dir)).publicJwk : undefined
    const verifier = createVerifier(config.identity, { devPublicJwk, readJwksFile: async (path) => JSON.parse(await readFile(path, 'utf8')) })

    const policyConfig = config.policy.source || config.policy.bundle ? config : { ...config, policy: { ...config.policy, source: join(opts.packageRoot, 'policies') } }
    const opa = opts.opa ?? opts.env?.OPA ?? process.env.OPA
    const { decider, bundlePath } = await loadPolicy(policyConfig, { opa, packageRoot: opts.packageRoot })
    const dryRun = await openDryRunPolicy(config, { opa, enforcedSource: policyConfig.policy.source, log })

    const env = opts.env ?? process.env
    const audit = await openAuditTrail(config, { log, env })
    closers.push(audit.close)
    const embeddedTargets = config.targets.filter((t) => t.embedded && t.kind === 'postgres').map((t) => t.name)
    const embedded = new Map<string, EmbeddedEndpoint>()
    let demo: DemoDatabases | undefined
    if (embeddedTargets.length) {
      demo = await startDemoDatabases(embeddedTargets, { stateDir: config.state_dir, env })
      closers.push(demo.close)
      for (const note of demo.notes) log.info(`demo database: ${note}`)
      for (const warning of demo.warnings) log.warn(`demo database: ${warning}`)
      log.info({ backend: demo.backend }, `demo database: ${demo.description}`)
      for (const name of embeddedTargets) embedded.set(name, demo.endpoint(name))
    }
    const upstreams = planUpstreams(config.targets, env, embedded)
    for (const warning of upstreams.warnings) log.warn(warning)

    const labels = { id: loadOrCreateGatewayId(config.state_dir), version: await wardenVersion(opts.packageRoot) }
    const auditSink = labelledAuditSink(audit.sink, labels, () => decider.revision)
    let adminUrl: string | undefined
    const approvals = await openApprovals(config, { env, adminUrl: () => adminUrl, onError: (message) => log.error(message) })
    closers.push(approvals.close)
    const pool = config.policy.decide_threads > 0 ? new DecidePool({ threads: config.policy.decide_threads }) : undefined
    if (pool) {
      closers.push(() => pool.close())
      await pool.start(decider)
    }
    const engine = await createGatewayEngine(config, { verifier, approvals: approvals.store, audit: auditSink, decider, dryRun, pool })
    const approverGroup = config.approvals.approver_groups[0] ?? 'dba'
    const configFlag = commandFlags(opts)
    const postgres = await startPostgresListener({
      host: config.listeners.postgres.host,
      port: config.listeners.postgres.port,
      tls: tls && { cert: tls.cert, key: tls.key },
      allowPlaintext: config.listeners.postgres.allow_plaintext,
      maxStartingPerSource: config.listeners.postgres.max_starting_per_source,
      maxBufferedMessageBytes: config.listeners.postgres.max_buffered_message_bytes,
      messageTimeoutMs: config.listeners.postgres.message_timeout_seconds && config.listeners.postgres.message_timeout_seconds * 1000,
      engine,
      upstream: (target) => upstreams.resolve(target),
      holdSeconds: config.approvals.hold_seconds,
      clockSkewSeconds: config.identity.clock_skew_seconds,
      maskKey,
      approvalHint: (id) => `npx warden approvals approve ${id}${dev ? ` --as <you> --group ${approverGroup}` : ''}${configFlag}`,
    }).catch((err: Error) => {
      throw new GatewayStartError('listen.postgres', `start the PostgreSQL listener on ${config.listeners.postgres.host}:${config.listeners.postgres.port}: ${err.message}; change listeners.postgres in the config`, { cause: err })
    })
    closers.push(postgres.close)

    const http = await startHttp(config, { engine, env, maskKey, approvalHint: (id) => `npx warden approvals approve ${id}${dev ? ` --as <you> --group ${approverGroup}` : ''}${configFlag}` })
    if (http) closers.push(http.close)

    // Auditors read the trail through a connection of their own, yielding to the event loop as they walk it.
    const openAuditReader = config.audit.store === 'pino' ? undefined : () => openTrailReader(config, env, { pause: () => new Promise<void>((resolve) => setImmediate(resolve)) })
    const handle = createAdminHandler({ engine, approverGroups: config.approvals.approver_groups, roles: config.roles, openAuditReader })
    const admin = await serveAdmin(handle, { ...config.listeners.admin, onError: (err) => log.error({ err }, 'admin API request failed') })
    closers.push(admin.close)
    adminUrl = admin.url
    const memory = startMemoryTrim()
    closers.push(async () => memory.stop())
    // Closed again here, so first (closers run in reverse; close() runs once): held statements then end with a
    // clear error and their requests stay pending for after a restart, instead of expiring as connections close.
    closers.push(approvals.close)

    const summary = startupSummary(config, {
      postgres: postgres.address,
      adminUrl: admin.url,
      tls: tls ? (tls.source === 'generated' ? `self-signed, ${tls.certPath}` : tls.certPath) : 'off (openssl not found)',
      policy: config.policy.bundle ? `bundle ${bundlePath}` : `${policyConfig.policy.source} (compiled to ${bundlePath})`,
      describe: upstreams.describe,
      warnings: [...(devWarning ? [devWarning] : []), ...(demo?.warnings ?? []), ...upstreams.warnings],
      demo: demo?.description,
      commandFlags: configFlag,
      stateDir: `${config.state_dir}${opts.stateDirFrom === 'flag' ? ' (--state-dir)' : opts.stateDirFrom === 'env' ? ' ($WARDEN_STATE_DIR)' : ''}`,
      http: http && { reverse: http.reverse.url, proxy: http.proxy.url, ca: http.ca.cert },
      audit: audit.description,
      approvals: approvals.description,
    })
    log.info({
      gateway_id: labels.id,
      version: labels.version,
      policy_revision: decider.revision,
      postgres: `${postgres.address.host}:${postgres.address.port}`,
      admin: admin.url,
      targets: config.targets.map((t) => t.name),
      embedded: [...embedded.keys()],
      demo: demo?.backend,
      tls: tls?.source ?? 'off',
    }, 'warden gateway started')

    let closing: Promise<void> | undefined
    return { postgres, admin, demo, http: http && { reverse: http.reverse, proxy: http.proxy, ca: http.ca }, summary, close: () => (closing ??= closeAll().then(() => log.info('warden gateway stopped'))) }
  } catch (err) {
    await closeAll()
    throw err
  }
}

/** The reverse proxy and the forward proxy (with its CA), when any target is served over HTTP. */
async function startHttp(config: Config, deps: { engine: Parameters<typeof createHttpGateway>[0]['engine']; env: Record<string, string | undefined>; maskKey: Uint8Array; approvalHint(id: string): string }) {
  if (!config.targets.some((t) => HTTP_TARGET_KINDS.has(t.kind))) return undefined
  const gateway = createHttpGateway({ engine: deps.engine, targets: config.targets, env: deps.env, holdSeconds: config.approvals.hold_seconds, clockSkewSeconds: config.identity.clock_skew_seconds, maskKey: deps.maskKey, approvalHint: deps.approvalHint })
  const ca = await ensureCa(config.state_dir, deps.env)
  const leaves = await createLeafIssuer(ca)
  const { http: rl, http_proxy: pl } = config.listeners
  const names = [...new Set([rl.host === '0.0.0.0' || rl.host === '::' ? '127.0.0.1' : rl.host, '127.0.0.1', 'localhost'])]
  const tls = rl.plaintext ? undefined : rl.tls ? { cert: await readFile(rl.tls.cert!), key: await readFile(rl.tls.key!) } : leaves.pem(names)
  const onSendTimeout = recordSendTimeout(deps.engine.audit, 'reverse', SEND_TIMEOUT_MS)
  const reverse = await listenReverse(gateway.handle, { host: rl.host, port: rl.port, tls, onSendTimeout }).catch((err: Error) => {
    throw new GatewayStartError('listen.http', `start the HTTP listener on ${rl.host}:${rl.port}: ${err.message}; change listeners.http in the config`, { cause: err })
  })
  const proxy = await listenForward({ host: pl.host, port: pl.port, engine: deps.engine, targets: config.targets, passthrough: pl.passthrough, leaves, handle: gateway.handle, clockSkewSeconds: config.identity.clock_skew_seconds }).catch(async (err: Error) => {
    await reverse.close()
    throw new GatewayStartError('listen.http_proxy', `start the HTTPS proxy listener on ${pl.host}:${pl.port}: ${err.message}; change listeners.http_proxy in the config`, { cause: err })
  })
  return { reverse, proxy, ca, close: async () => { await proxy.close(); await reverse.close(); gateway.close() } }
}

/** The version in the checkout's package.json, for the audit labels. */
async function wardenVersion(packageRoot: string): Promise<string> {
  try {
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version?: unknown }
    if (typeof version === 'string' && version) return version
  } catch {
    // reported below as unknown: a label, not a reason to refuse to start
  }
  return 'unknown'
}

/** TLS for the listener; a missing openssl (and no configured pair) runs plaintext-only, with a warning. */
async function tlsOrPlaintext(config: Config, log: Logger): Promise<TlsMaterial | undefined> {
  try {
    return await resolveTls(config.listeners.postgres.tls, config.state_dir)
  } catch (err) {
    if ((err as { code?: string }).code !== 'tls.openssl_missing') throw err
    log.warn(`${(err as Error).message}; the PostgreSQL listener runs without TLS (loopback clients only, unless allow_plaintext)`)
    return undefined
  }
}
