// When Secrets and ConfigMaps were last written through this gateway, for pod logs (pod-secrets.ts): a pod's log
// is masked by the values its Secrets and ConfigMaps hold when the log is read, and refused when one of them was
// written after the pod was created, since the log may print what it held before. The object itself does not always
// say so: a write that removes a value (a JSON patch remove, a merge patch's null, an update that leaves a key out)
// moves no manager's time in its managedFields, and a write may set managedFields to anything; its resourceVersion
// moves, but so does the pod's, with any write to it (a label). Every write an agent makes goes through the gateway,
// which notes it here before forwarding it, whatever the answer. Kept in memory, per cluster (a target's upstream
// URL: two targets may reach one cluster with two credentials), the most recent MAX_KUBE_WRITES objects (the oldest
// forgotten first, and the time of the latest forgotten kept per cluster: a forgotten write may have been to any
// object, so it counts for all of them); after a restart only what the objects say is left.
import type { KubernetesCommand } from '../../engine/types.ts'

/** Objects remembered at most, over all targets; the least recently written is forgotten first. */
export const MAX_KUBE_WRITES = 100_000

/** The kinds whose values a pod's log is masked by. */
const WATCHED = new Set(['secrets', 'configmaps'])
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection'])

/** Every object of a kind in a namespace (a deletecollection), as a name no object has. */
const ALL = '\u0000*'

export class KubeWrites {
  // A Map iterates in insertion order: the first is the least recently written.
  private readonly at = new Map<string, number>()
  /** Per cluster, the time of the latest write forgotten to stay within the bound. */
  private readonly forgotten = new Map<string, number>()

  constructor(private readonly max = MAX_KUBE_WRITES) {}

  private static key(cluster: string, namespace: string, resource: string, name: string): string {
    return JSON.stringify([cluster, namespace, resource, name])
  }

  /** Notes a request about to be forwarded to `cluster`, when it writes a Secret or ConfigMap. */
  note(cluster: string, kube: KubernetesCommand | undefined, now = Date.now()): void {
    if (!kube || !kube.is_resource_request || kube.api_group !== '' || !WATCHED.has(kube.resource) || !WRITES.has(kube.verb)) return
    const namespace = kube.namespace ?? ''
    // A create names its object in the body: a new object changes nothing a pod printed (one deleted first was noted then).
    if (kube.verb === 'create') return
    const key = KubeWrites.key(cluster, namespace, kube.resource, kube.verb === 'deletecollection' || !kube.name ? ALL : kube.name)
    this.at.delete(key)
    this.at.set(key, now)
    while (this.at.size > this.max) {
      const [oldest, time] = this.at.entries().next().value!
      this.at.delete(oldest)
      const forCluster = (JSON.parse(oldest) as string[])[0]!
      this.forgotten.set(forCluster, Math.max(this.forgotten.get(forCluster) ?? 0, time))
    }
  }

  /** When object `name` of `resource` in `namespace` of `cluster` was last written through the gateway (ms), if it was. */
  lastWritten(cluster: string, namespace: string, resource: string, name: string): number | undefined {
    const times = [
      this.at.get(KubeWrites.key(cluster, namespace, resource, name)),
      this.at.get(KubeWrites.key(cluster, namespace, resource, ALL)),
      // A collection of every namespace's (no namespace in its path).
      this.at.get(KubeWrites.key(cluster, '', resource, ALL)),
      this.forgotten.get(cluster),
    ].filter((t): t is number => t !== undefined)
    return times.length ? Math.max(...times) : undefined
  }
}
