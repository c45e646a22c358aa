// Masks large response bodies on a thread of their own, off the socket thread that serves every session: masking
// a 30 MB JSON answer took ~5 s there (parse, detectors over every string, stringify), and every other agent's
// requests waited behind it. Bodies up to OFF_THREAD_BYTES stay on the socket thread (a thread hop costs more
// than masking them). Large bodies queue on the one thread, in order; the mask budget (mask-budget.ts) bounds
// how many are held. A body the thread cannot mask, or a thread that died, fails closed: the answer is withheld.
import { Thread, ThreadError } from '../../engine/threads/thread.ts'
import { failed, type MaskJob } from './mask-decoded.ts'
import { HttpGatewayError } from './errors.ts'

/**
 * 1 MiB: the detectors scan text at ~70-150 ms per MiB on a busy 2-core machine, so a body this size holds the
 * socket thread for at most about as long as the PostgreSQL gateway's largest row scan budget allows.
 */
export const OFF_THREAD_BYTES = 1024 * 1024

export class MaskThread {
  private readonly thread = new Thread({ module: new URL('./mask-thread-worker.ts', import.meta.url), name: 'response masking' })

  async mask(job: MaskJob): Promise<{ body: Uint8Array; masked: number }> {
    const body = job.body
    // The decoded body is not read again here: its memory moves to the thread when it owns its buffer whole.
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer
    try {
      return await this.thread.call<{ body: Uint8Array; masked: number }>('mask', [job], owned ? [body.buffer as ArrayBuffer] : [])
    } catch (err) {
      if (err instanceof ThreadError && err.code === 'http.mask_failed') throw new HttpGatewayError(502, 'http.mask_failed', err.message, { cause: err })
      throw failed(`the masking thread failed (${(err as Error).message})`, err)
    }
  }

  close(): Promise<void> {
    return this.thread.close()
  }
}
