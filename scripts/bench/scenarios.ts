// The requests the decide benchmarks judge: a SQL join and a Kubernetes list (bench:decide, bench:policy), and
// pgbench's select (bench:policy).
import type { RawRequest } from '../../engine/normalize/index.ts'

export interface Scenario {
  name: string
  target: string
  request: RawRequest
}

export const pgbenchSelect: Scenario = {
  name: 'pgbench select (prod-db)',
  target: 'prod-db',
  request: { kind: 'sql', text: 'SELECT abalance FROM pgbench_accounts WHERE aid = 12345' },
}

export const sqlJoin: Scenario = {
  name: 'sql join (prod-db)',
  target: 'prod-db',
  request: { kind: 'sql', text: "SELECT u.id, u.email, o.amount_cents FROM users u JOIN orders o ON o.user_id = u.id WHERE o.status = 'paid' AND u.plan = $1 ORDER BY o.created_at DESC LIMIT 50" },
}

export const kubeListPods: Scenario = {
  name: 'kubernetes list pods (prod-k8s)',
  target: 'prod-k8s',
  request: { kind: 'http', request: { method: 'GET', url: 'https://kubernetes.default.svc/api/v1/namespaces/payments/pods?labelSelector=app%3Dapi', headers: { accept: 'application/json' } } },
}
