// A `warden diff` worker thread: prepares its own pair of deciders from the bundles in workerData, then judges
// the chunks of input documents the pool sends until it is terminated.
import { parentPort, workerData } from 'node:worker_threads'
import { type PairOptions, preparePair } from './judge-pair.ts'

export interface ChunkMessage {
  id: number
  inputs: string[]
}

const pair = await preparePair(workerData as PairOptions)
parentPort!.on('message', (chunk: ChunkMessage) => {
  try {
    const result = pair.judge(chunk.inputs)
    parentPort!.postMessage({ id: chunk.id, ...result }, [result.effects.buffer as ArrayBuffer])
  } catch (err) {
    parentPort!.postMessage({ id: chunk.id, error: err instanceof Error ? err.message : String(err) })
  }
})
parentPort!.postMessage({ ready: true })
