// The bound on connections still starting up from one client address counted each IPv6 address apart: a host
// picks any address of its /64 (2^64 of them), so one host that connected and sent nothing from a new address each
// time took every MAX_STARTING slot anyway. An IPv6 client now counts as its /64; an IPv4 client on a dual-stack
// listener (::ffff:a.b.c.d) still counts as its own address, not as one shared ::ffff:0:0/64.
// The IPv6 clients bind addresses of 2001:db8:77::/64 added to the loopback here (`ip -6 addr add`, removed after)
// and reach a listener on ::1; the IPv4 clients reach one on ::ffff:127.0.0.1 (IPv4-mapped, loopback only).
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeErrorResponse } from './messages/error-response.ts'
import { type PostgresListener, startPostgresListener } from './listener.ts'
import { startHarness, type Harness } from './testing/harness.ts'

const PER_SOURCE = 3
const PREFIX = '2001:db8:77::'
let h: Harness

let v6: PostgresListener | undefined
/** The addresses this file added to the loopback, removed after it. */
const added: string[] = []

/** Adds PREFIX1… PREFIX`n` to the loopback, so clients may bind them (needs CAP_NET_ADMIN). */
function addAddresses(n: number): boolean {
  try {
    const have = execFileSync('ip', ['-6', 'addr', 'show', 'dev', 'lo']).toString()
    for (let i = 1; i <= n; i++) {
      if (have.includes(`${PREFIX}${i}/128`)) continue
      execFileSync('ip', ['-6', 'addr', 'add', `${PREFIX}${i}/128`, 'dev', 'lo', 'nodad'])
      added.push(`${PREFIX}${i}/128`)
    }
    return true
  } catch {
    return false
  }
}

/** Sends an SSLRequest on `s`: the gateway answers 'S' on a connection it is starting up. */
function sslAnswer(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('data', (d: Buffer) => resolve(String.fromCharCode(d[0]!)))
    s.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]))
  })
}

test.before(async () => {
  h = await startHarness({ maxStartingPerSource: PER_SOURCE, host: '::ffff:127.0.0.1' })
  v6 = await startPostgresListener({
    host: '::1', port: 0, tls: h.cert, allowPlaintext: false, engine: h.te.engine, upstream: () => h.cluster.upstream(),
    holdSeconds: 1, maxStartingPerSource: PER_SOURCE, maskKey: new Uint8Array(32).fill(7),
  })
})
test.after(async () => {
  await v6?.close()
  await h?.stop()
  for (const address of added) execFileSync('ip', ['-6', 'addr', 'del', address, 'dev', 'lo'])
})

function connect(host: string, localAddress: string): Promise<net.Socket> {
  const port = host === '::1' ? v6!.address.port : h.port
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, localAddress }, () => resolve(s))
    s.once('error', reject)
  })
}

/** The SQLSTATE of the refusal the gateway sends before it closes `s`, or undefined while it holds `s`. */
function refusal(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    s.on('data', (d: Buffer) => chunks.push(d))
    s.once('close', () => {
      const bytes = Buffer.concat(chunks)
      resolve(bytes[0] === 0x45 ? decodeErrorResponse(bytes.subarray(5, 1 + bytes.readUInt32BE(1))).code : 'closed')
    })
  })
}

if (addAddresses(PER_SOURCE + 1)) {
  test(`IPv6: past ${PER_SOURCE} connections starting from one /64, another address of it is refused (53300)`, async () => {
    const idle: net.Socket[] = []
    try {
      for (let i = 1; i <= PER_SOURCE; i++) idle.push(await connect('::1', `${PREFIX}${i}`))
      const next = await connect('::1', `${PREFIX}${PER_SOURCE + 1}`)
      idle.push(next)
      assert.is(await refusal(next), '53300', 'a fresh address of the same /64 is the same host')
    } finally {
      for (const s of idle) s.destroy()
    }
  })
} else {
  console.warn(`attack-startup-source6: cannot add addresses of ${PREFIX}/64 to the loopback (no CAP_NET_ADMIN): IPv6 test not run`)
}

test('IPv4 on a dual-stack listener: each address counts on its own, not as one shared IPv4-mapped /64', async () => {
  const idle: net.Socket[] = []
  try {
    for (let i = 1; i <= PER_SOURCE; i++) idle.push(await connect('127.0.0.1', '127.0.0.1'))
    for (let i = 2; i <= PER_SOURCE + 1; i++) idle.push(await connect('127.0.0.1', `127.0.0.${i}`))
    const sixth = await connect('127.0.0.1', '127.0.0.9')
    idle.push(sixth)
    const full = await connect('127.0.0.1', '127.0.0.1')
    idle.push(full)
    assert.is(await refusal(full), '53300', 'the fourth from 127.0.0.1 is refused')
    assert.is(await sslAnswer(sixth), 'S', 'another IPv4 address is not refused with it: its startup goes on')
  } finally {
    for (const s of idle) s.destroy()
  }
})

test.run()
