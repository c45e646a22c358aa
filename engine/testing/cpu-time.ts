// Tests that bound how much work something does measure the CPU time this process spent on it, not the
// wall clock: on a busy machine (CI with two cores, another test file beside this one) the same work can
// take several times as long by the wall clock while waiting for a core, and a bound on that fails at
// random. CPU time (user + system, all threads of the process) counts the work itself.

/** Runs `run` and returns what it returned with the CPU milliseconds the process spent meanwhile. */
export function cpuTimed<T>(run: () => T): { value: T; cpuMs: number } {
  const before = process.cpuUsage()
  const value = run()
  const used = process.cpuUsage(before)
  return { value, cpuMs: (used.user + used.system) / 1000 }
}
