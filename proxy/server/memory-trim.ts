// Gives freed native memory back to the operating system. V8 compiles the policy's and the SQL parser's
// WebAssembly with TurboFan on background threads, and glibc keeps what those compilers freed in their thread
// arenas: measured, RSS 200 MB once the policy has loaded, 111 MB after malloc_trim(0). So the gateway calls
// malloc_trim(0) once started and then on an interval (hot functions are compiled again under load). Where the
// C library has no malloc_trim (musl, macOS) there is nothing to return and nothing is done. The call runs on
// a libuv worker thread (it takes 5–11 ms with 200 sessions open): the event loop never waits for it.
export interface MemoryTrim {
  /** Returns free pages now; false when this C library cannot. */
  trim(): Promise<boolean>
  /** Resolves after the next timed trim. */
  next(): Promise<void>
  stop(): void
  /** Trims done, and the longest one in milliseconds. */
  readonly count: number
  readonly longestMs: number
}

type AsyncTrim = { async(pad: number, done: (err: unknown, result: number) => void): void }

/** glibc's malloc_trim, or undefined on a C library without it or a platform koffi has no build for. */
async function loadMallocTrim(): Promise<AsyncTrim | undefined> {
  if (process.platform !== 'linux') return undefined
  try {
    const { default: koffi } = await import('koffi')
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as unknown as AsyncTrim
  } catch {
    return undefined
  }
}

export function startMemoryTrim(opts: { intervalMs?: number } = {}): MemoryTrim {
  const loading = loadMallocTrim()
  let count = 0
  let longestMs = 0
  let waiters: Array<() => void> = []
  const trim = async () => {
    const mallocTrim = await loading
    if (!mallocTrim) return false
    return new Promise<boolean>((resolve) => {
      const started = performance.now()
      mallocTrim.async(0, (err) => {
        longestMs = Math.max(longestMs, performance.now() - started)
        count++
        resolve(!err)
      })
    })
  }
  const timer = setInterval(() => {
    void trim().then(() => {
      for (const resolve of waiters.splice(0)) resolve()
    })
  }, opts.intervalMs ?? 10_000)
  timer.unref()
  void trim()
  return {
    trim,
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    stop() {
      clearInterval(timer)
      for (const resolve of waiters.splice(0)) resolve()
      waiters = []
    },
    get count() { return count },
    get longestMs() { return longestMs },
  }
}
