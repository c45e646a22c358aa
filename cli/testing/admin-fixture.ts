// For the admin-API commands' tests: a real admin server on an ephemeral 127.0.0.1 port over a memory approval
// store, trusting the dev issuer of a config written to a temp directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryApprovalStore } from '../../engine/approvals/memory.ts'
import { createMemoryAuditSink } from '../../engine/audit/memory-sink.ts'
import { createVerifier } from '../../engine/identity/verifier.ts'
import { createAdminHandler } from '../../proxy/admin/handler.ts'
import { serveAdmin } from '../../proxy/admin/node-server.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { loadConfig } from '../config-file.ts'
import { type ExitCode, type Io, memoryIo } from '../io.ts'

export async function startAdminFixture(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `warden-${name}-cli-`))
  const configFile = join(dir, 'warden.yaml')
  const writeConfig = (adminPort: number) => writeFileSync(configFile, `state_dir: ./state
listeners:
  admin: { host: 127.0.0.1, port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
approvals:
  approver_groups: [dba]
targets:
  - { name: demo, kind: postgres, environment: production, embedded: true }
`)
  writeConfig(1)
  const { config } = await loadConfig(configFile, dir)
  const { publicJwk } = await loadOrCreateDevKey(config.state_dir)
  const verifier = createVerifier(config.identity, { devPublicJwk: publicJwk })
  const approvals = createMemoryApprovalStore()
  const audit = createMemoryAuditSink()
  const handle = createAdminHandler({ engine: { authenticate: (t) => verifier.verify(t), approvals, audit }, approverGroups: ['dba'] })
  const server = await serveAdmin(handle, { host: '127.0.0.1', port: 0 })
  writeConfig(server.address.port)
  return {
    dir,
    configFile,
    approvals,
    audit,
    server,
    /** Runs a command's function with the fixture's directory as cwd. */
    async run(command: (args: string[], io: Io) => Promise<ExitCode>, args: string[], env: Record<string, string> = {}) {
      const io = memoryIo(env, dir)
      const code = await command(args, io)
      return { code, out: io.stdout, err: io.stderr }
    },
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
