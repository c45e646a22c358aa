// What the handler needs to enforce masks by origin (engine/obligations/mask/sources.ts): the source obligations
// apart from the rest, as an HTTP refusal when one is malformed, and a read of one upstream object with the
// gateway's own credential, to learn the values (pod-secrets.ts).
import { type MaskSource, splitSources } from '../../engine/obligations/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'
import type { Upstream, UpstreamResponse } from './upstream.ts'

const NO_SOURCES: MaskSource[] = []
const namesSource = (o: MaskObligation) => o.source !== undefined

/** The sources the masks name and the other masks; http.mask_failed for a source Warden does not know. */
export function splitMaskSources(masks: MaskObligation[]): { sources: MaskSource[]; rest: MaskObligation[] } {
  // Most decisions name no source: their list is handed on as it is (the maskers find their compiled form by it).
  if (!masks.some(namesSource)) return { sources: NO_SOURCES, rest: masks }
  try {
    const split = splitSources(masks)
    return { sources: split.sources, rest: split.rest }
  } catch (err) {
    throw new HttpGatewayError(502, 'http.mask_failed', `the decision's mask obligations cannot be applied: ${(err as Error).message}; the request was not forwarded`, { cause: err })
  }
}

/**
 * The forms of every value the sources name, longest first, each source looked up by its own function: the type
 * needs one for every source Warden knows, so a source added later cannot be skipped here.
 */
export async function sourceValues(sources: readonly MaskSource[], lookUp: { [S in MaskSource]: () => Promise<string[]> }): Promise<string[]> {
  const found = await Promise.all(sources.map((source) => lookUp[source]()))
  return [...new Set(found.flat())].sort((a, b) => b.length - a.length)
}

/** GET of one JSON object at `url` with the gateway's credential (never the agent's); the answer as it came. */
export async function readObject(upstream: Upstream, url: URL, judgedHost: string, signal: AbortSignal): Promise<UpstreamResponse> {
  const reply = await upstream.send({ method: 'GET', url, headers: { accept: 'application/json', 'accept-encoding': 'identity' }, judgedHost }, { signal })
  if (reply.kind !== 'response') {
    reply.socket.destroy()
    throw new Error('the upstream answered with an upgrade')
  }
  return reply.res
}
