// The response masking thread (mask-thread.ts): masks one decoded body at a time.
import { serve } from '../../engine/threads/serve.ts'
import { maskDecoded, type MaskJob } from './mask-decoded.ts'

await serve(() => ({
  mask: (job: MaskJob) => maskDecoded(job),
}))
