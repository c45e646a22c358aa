// Threads that evaluate the policy off the socket thread. Each holds a replica of the gateway's decider
// (prepared from its recipe: the same bundle, options and data) and decides input documents given as their
// JSON text. An answer is used only when the replica evaluated the policy that is still loaded and the
// evaluation was repeatable (no host builtin such as time.now_ns, no failure): exactly the decisions the
// decision cache may keep, so the decider on the socket thread would have computed the same. Anything else (a
// thread that died or is slow, a swap meanwhile, a clock read) comes back undefined and the caller decides on
// its own thread as before: a thread can cost time, never a judgement.
import type { Decision } from '../types.ts'
import { Thread } from '../threads/thread.ts'
import type { Decider } from './decider.ts'

export interface DecidePoolOptions {
  threads: number
  /** An answer later than this is not waited for (default 2 s). */
  timeoutMs?: number
}

interface Member {
  thread: Thread
  /** The policy generation this thread has loaded, or is loading. */
  generation: number
  loading: Promise<void> | undefined
}

const TIMEOUT_MS = 2_000

export class DecidePool {
  private readonly members: Member[]
  private readonly generations = new WeakMap<object, number>()
  private nextGeneration = 1
  private readonly timeoutMs: number
  /** Decisions answered by a thread and used; calls that came back undefined. */
  used = 0
  unused = 0

  constructor(opts: DecidePoolOptions) {
    this.timeoutMs = opts.timeoutMs ?? TIMEOUT_MS
    this.members = Array.from({ length: opts.threads }, () => ({
      thread: new Thread({ module: new URL('./pool-worker.ts', import.meta.url), name: 'decide' }),
      generation: 0,
      loading: undefined,
    }))
  }

  get size(): number {
    return this.members.length
  }

  /** Starts the threads now, with `decider`'s policy loaded (otherwise they start on first use). */
  async start(decider?: Decider): Promise<void> {
    await Promise.all(this.members.map((m) => m.thread.start()))
    const policy = decider?.policy
    const recipe = decider?.recipe
    if (policy && recipe) await Promise.all(this.members.map((m) => this.load(m, this.generationOf(policy), recipe)))
  }

  private generationOf(policy: object): number {
    let generation = this.generations.get(policy)
    if (generation === undefined) {
      generation = this.nextGeneration++
      this.generations.set(policy, generation)
    }
    return generation
  }

  private load(member: Member, generation: number, recipe: NonNullable<Decider['recipe']>): Promise<void> | undefined {
    if (member.generation !== generation) {
      member.generation = generation
      member.loading = member.thread.call<void>('load', [generation, recipe])
    }
    return member.loading
  }

  /** The decision `decider` would make for this JSON text, from a thread; undefined when it cannot say for sure. */
  async decide(decider: Decider, json: string): Promise<Decision | undefined> {
    const policy = decider.policy
    const recipe = decider.recipe
    if (!policy || !recipe || !decider.decideJson || !this.members.length) return undefined
    const generation = this.generationOf(policy)
    const member = this.members.reduce((a, b) => (b.thread.inFlight < a.thread.inFlight ? b : a))
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs)
    })
    try {
      const answer = await Promise.race([this.ask(member, generation, recipe, json), late])
      const usable = answer !== undefined && answer.repeatable && decider.policy === policy
      if (usable) this.used++
      else this.unused++
      return usable ? answer.decision : undefined
    } catch {
      this.unused++
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  private async ask(member: Member, generation: number, recipe: NonNullable<Decider['recipe']>, json: string) {
    try {
      await this.load(member, generation, recipe)
      return await member.thread.call<{ decision: Decision; repeatable: boolean }>('decide', [generation, json])
    } catch (err) {
      // A dead thread starts again empty; a failed load is tried again by the next call.
      if (member.generation === generation) member.generation = 0
      throw err
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.thread.close()))
  }
}
