// A thread for thread.test.ts: echoes, fails with a coded error, or dies on request.
import { serve, threadData } from '../serve.ts'

class FixtureError extends Error {
  readonly code = 'fixture.failed'
}

await serve(() => {
  const { failStart } = threadData<{ failStart?: boolean }>() ?? {}
  if (failStart) throw new FixtureError('cannot start: asked to fail')
  return {
    echo: (v: unknown) => v,
    later: (v: unknown, ms: number) => new Promise((resolve) => setTimeout(() => resolve(v), ms)),
    fail: () => {
      throw new FixtureError('asked to fail')
    },
    exit: () => process.exit(3),
  }
})
