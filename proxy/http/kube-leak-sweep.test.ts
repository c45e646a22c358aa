// A systematic leak search of Kubernetes masking through the gateway, generated from the real apiserver's
// discovery rather than picked by hand (testing/kube-sweep.ts): seeded credentials in every place a cluster keeps
// them, and every listed resource read by the agent in every shape the apiserver serves. No allowed answer may
// carry a seeded value whole, in base64 or in part; a refused one (denied, or held past the short hold) carries
// nothing. A dry-run create answers with what the agent itself sent: those echoes are counted apart.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'
import { httpsGet } from './testing/process.ts'
import { agentRequest, discover, leaksIn, markers, outcome, pool, SWEEP_NAMESPACE, sweepRequests, sweepSeeds, widgetCrd } from './testing/kube-sweep.ts'

let k: KubeAttack
const seeded = sweepSeeds()

test.before(async () => {
  k = await startKubeAttack('kube-leak-sweep', { holdSeconds: 0.1 })
  await k.admin(['create', 'namespace', SWEEP_NAMESPACE])
  await k.admin(['create', 'serviceaccount', 'default', '-n', SWEEP_NAMESPACE])
  await k.admin(['apply', '-f', '-'], JSON.stringify(widgetCrd))
  await k.admin(['wait', '--for=condition=established', 'crd/widgets.example.com', '--timeout=60s'])
  // Client-side apply: every object also keeps kubectl's last-applied copy of itself, values and all.
  await k.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: seeded.objects.map((o) => o.manifest) }))
})

test.after(async () => {
  await k?.close()
})

test('control: the seeded values are in the cluster, found by the markers in what the admin reads', async () => {
  const kinds = new Set(seeded.objects.map((o) => (o.groupVersion.includes('/') ? `${o.resource}.${o.groupVersion.split('/')[0]}` : o.resource)))
  const all = await k.admin(['get', [...kinds].join(','), '-n', SWEEP_NAMESPACE, '-o', 'json'])
  const missing = seeded.seeds.filter((s) => !markers(s.value).some((m) => all.includes(m)))
  assert.equal(missing.map((s) => s.where), [])
})

test('every resource discovery lists, read in every shape by the agent, carries no seeded value', async () => {
  const resources = await discover(async (path) => JSON.parse((await httpsGet(`${k.kube.url}${path}`, k.kube.caPem, k.kube.adminToken)).body))
  const requests = sweepRequests(resources, seeded)
  const results = await pool(requests, 6, async (r) => {
    const a = await agentRequest(k, r)
    const sent = r.body ?? ''
    const found = leaksIn(a, seeded.seeds)
    return { r, a, outcome: outcome(a), leaks: found.filter((s) => !sent.includes(s.value)), echoes: found.filter((s) => sent.includes(s.value)) }
  })
  const count = (f: (x: (typeof results)[number]) => boolean) => results.filter(f).length
  const leaking = results.filter((x) => x.leaks.length > 0)
  const summary = {
    resources: resources.length,
    tried: results.length,
    denied: count((x) => x.outcome === 'denied'),
    held: count((x) => x.outcome === 'held'),
    withheld: count((x) => x.outcome === 'withheld'),
    silent: count((x) => x.outcome === 'allowed' && x.a.status === 0),
    allowedClean: count((x) => x.outcome === 'allowed' && x.a.status !== 0 && x.leaks.length === 0 && x.echoes.length === 0),
    allowedEchoing: count((x) => x.outcome === 'allowed' && x.leaks.length === 0 && x.echoes.length > 0),
    leaking: leaking.length,
  }
  console.log(`kube leak sweep: ${JSON.stringify(summary)}`)
  if (process.env.WARDEN_SWEEP_DETAIL) {
    for (const x of results) if (x.leaks.length) console.log(x.r.path, x.r.headers?.accept, x.a.body.slice(0, 3000))
    for (const x of results) console.log(`${x.outcome} ${x.a.status} ${x.r.method ?? 'GET'} ${x.r.path} [${x.r.headers?.accept ?? ''}] ${x.leaks.map((s) => s.where).join(', ')}${x.echoes.length ? ` echo: ${x.echoes.map((s) => s.where).join(', ')}` : ''}`)
  }
  assert.ok(summary.resources > 40, `discovery listed ${summary.resources} resources`)
  // The sweep reached what it searches: the seeded objects were answered, their values masked in place.
  for (const what of ['v1 secrets list', 'v1 secrets watch', 'v1 configmaps get yaml', 'v1 pods get', 'apps/v1 deployments watch Table', 'v1 configmaps list', 'example.com/v1 widgets get', 'example.com/v1 widgets list Table', 'example.com/v1 widgets watch Table', 'v1 events watch', 'v1 services get', 'batch/v1 cronjobs get PartialObjectMetadata']) {
    const x = results.find((y) => y.r.what === what)
    assert.ok(x && x.outcome === 'allowed' && x.a.status === 200 && /\[(redacted|secret)\]/.test(x.a.body), `${what}: ${x?.outcome} ${x?.a.status} ${x?.a.body.slice(0, 300)}`)
  }
  assert.equal(leaking.map((x) => `${x.r.what} ${x.r.path} [${x.r.headers?.accept ?? ''}] ${x.a.status}: ${x.leaks.map((s) => s.where).join(', ')}`), [])
})

test.run()
