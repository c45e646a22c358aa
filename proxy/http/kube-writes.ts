// When Secrets and ConfigMaps were last written through this gateway, for pod logs (pod-secrets.ts): a pod's log
// is masked by the values its Secrets and ConfigMaps hold when the log is read, and refused when one of them was
// written after the pod was created, since the log may print what it held before. The object itself does not always
// say so: a write that removes a value (a JSON patch remove, a merge patch's null, an update that leaves a key out)
// moves no manager's time in its managedFields, and a write may set managedFields to anything; its resourceVersion
// moves, but so does the pod's, with any write to it (a label). Every write an agent makes goes through the gateway,
// which notes it here before forwarding it, whatever the answer. Kept in memory, by namespace, kind and name, not by
// cluster: which targets reach one cluster (two credentials, a forward-proxy host, two spellings of one URL) is not
// known for sure, and a write counting for an object of the same name in another cluster only refuses a log. The
// most recent MAX_KUBE_WRITES objects are kept (the oldest forgotten first); a forgotten write still counts for
// every object of its namespace (of every namespace past MAX_FORGOTTEN_NAMESPACES). After a restart only what the
// objects say is left.
import { KeyedLru } from '../../engine/keyed-lru.ts'
import type { KubernetesCommand } from '../../engine/types.ts'

/** Objects remembered at most, over all targets; the least recently written is forgotten first. */
export const MAX_KUBE_WRITES = 100_000
/** Namespaces whose forgotten writes are kept apart; past it, the oldest one's count for every namespace. */
export const MAX_FORGOTTEN_NAMESPACES = 10_000

/** The kinds whose values a pod's log is masked by. */
const WATCHED = new Set(['secrets', 'configmaps'])
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection'])

/** Every object of a kind in a namespace (a deletecollection), as a name no object has. */
const ALL = '\u0000*'

export class KubeWrites {
  /** Each object's last write, the least recently written forgotten first (into `forgotten`). */
  private readonly at: KeyedLru<number>
  /** Per namespace, the time of the latest write forgotten to stay within the bound. */
  private readonly forgotten: KeyedLru<number>
  /** The latest forgotten write that counts for every namespace. */
  private forgottenAnywhere = 0

  constructor(max = MAX_KUBE_WRITES, maxNamespaces = MAX_FORGOTTEN_NAMESPACES) {
    this.at = new KeyedLru(max, Infinity, (key, time) => this.forget((JSON.parse(key) as string[])[0]!, time))
    this.forgotten = new KeyedLru(maxNamespaces, Infinity, (_, time) => this.forgetAnywhere(time))
  }

  private static key(namespace: string, resource: string, name: string): string {
    return JSON.stringify([namespace, resource, name])
  }

  /** Notes a request about to be forwarded, when it writes a Secret or ConfigMap. */
  note(kube: KubernetesCommand | undefined, now = Date.now()): void {
    if (!kube || !kube.is_resource_request || kube.api_group !== '' || !WATCHED.has(kube.resource) || !WRITES.has(kube.verb)) return
    const namespace = kube.namespace ?? ''
    // A create names its object in the body: a new object changes nothing a pod printed (one deleted first was noted then).
    if (kube.verb === 'create') return
    this.at.set(KubeWrites.key(namespace, kube.resource, kube.verb === 'deletecollection' || !kube.name ? ALL : kube.name), now)
  }

  /** A write of `namespace` (every namespace's: '') at `time` no longer known by its object. */
  private forget(namespace: string, time: number): void {
    if (namespace === '') this.forgetAnywhere(time)
    else this.forgotten.set(namespace, Math.max(this.forgotten.peek(namespace) ?? 0, time))
  }

  private forgetAnywhere(time: number): void {
    this.forgottenAnywhere = Math.max(this.forgottenAnywhere, time)
  }

  /** When object `name` of `resource` in `namespace` was last written through the gateway (ms), if it may have been. */
  lastWritten(namespace: string, resource: string, name: string): number | undefined {
    const times = [
      this.at.peek(KubeWrites.key(namespace, resource, name)),
      this.at.peek(KubeWrites.key(namespace, resource, ALL)),
      // A collection of every namespace's (no namespace in its path).
      this.at.peek(KubeWrites.key('', resource, ALL)),
      this.forgotten.peek(namespace),
      this.forgottenAnywhere || undefined,
    ].filter((t): t is number => t !== undefined)
    return times.length ? Math.max(...times) : undefined
  }
}
