// The HTTP gateway core: route → authenticate → canonicalize → read body (an object upload: judged without it,
// then streamed, upload.ts) → judge and hold → forward with the gateway's credential → mask or stream the answer
// → audit. It translates; the engine decides. Any failure before forwarding answers with an error and forwards
// nothing; any failure while masking withholds the body.
import { createHash } from 'node:crypto'
import { type Readable, Transform } from 'node:stream'
import { httpReviewText } from '../../engine/approvals/http-review-text.ts'
import { endpointFromHost } from '../../engine/normalize/cloud/aws-endpoint.ts'
import type { TargetConfig } from '../../engine/config/types.ts'
import type { GatewayEngine, HttpJudgeRequest, JudgeRequest, Judgement, SessionState } from '../../engine/gateway.ts'
import { judgeAndHold, reasonsText } from '../../engine/hold.ts'
import { atDeadline, tokenDeadline } from '../../engine/identity/index.ts'
import type { Identity, TargetKind } from '../../engine/types.ts'
import { releaseEvent, requestEvent } from './audit-events.ts'
import { authenticate } from './auth.ts'
import { callerKey } from './connection-slots.ts'
import { FailureTally, tallied } from '../../engine/audit/failure-tally.ts'
import { bodyLimit, readRequestBody } from './body.ts'
import { canonicalize, checkFormBody } from './canonical.ts'
import { decisionId, errorReply, HttpGatewayError, refusalReply } from './errors.ts'
import { dropUpstreamOnly, forwardableHeaders, headerValue, headerValues } from './headers.ts'
import { kubeTableRead } from './kube-tables.ts'
import { bodyMasks, isEventStream, isJsonLines, type MaskedBody, maskBudgetBusy, maskLines, maskWholeBody, noneMasked, streamUnmasked } from './mask-response.ts'
import { createMcpFlow, type McpFlow } from './mcp-flow.ts'
import { createMcpEventIds, createMcpHeldCalls, createMcpIdsInFlight, createMcpServerRequests, createMcpSessionOwners, createMemoryToolRegistry, type ToolRegistry } from './mcp/index.ts'
import { httpTarget, reverseRoute, splitAuthority, targetForHost } from './routes.ts'
import type { Env } from './secrets.ts'
import type { GatewayRequest, GatewayResponse, Handler, HeaderList } from './types.ts'
import { describeUpload, isObjectUpload, mayUpload, type Upload } from './upload.ts'
import { createUpstream, type Upstream } from './upstream.ts'
import { credentialForms, hideCredentialHeaders, SECRET_MASK } from './response-credential.ts'
import { lookUpPodSecrets } from './pod-secrets.ts'
import { KubeWrites } from './kube-writes.ts'
import { readObject, sourceValues, splitMaskSources } from './mask-sources.ts'
import { createMaskBudget } from './mask-budget.ts'
import { MaskThread } from './mask-thread.ts'
import { createUpstreamShares } from './upstream-shares.ts'
import { maskHeaders } from './mask-headers.ts'
import { digestsSentBytes, keepDigestOfSent } from './sent-digest.ts'
import { describesStoredObjects, dropStoredDigests } from './stored-digests.ts'
import { segmentPrefix, wholeSegmentsOnly } from './listing-filters.ts'
import { partialReadRefusal, rangeCutRefusal, rangeFromStart, rangeRefusal } from './partial-reads.ts'
import { filterRefusal } from './filter-oracles.ts'
import { StartKeys } from './dynamodb-start-keys.ts'
import { PageTokens } from './page-tokens.ts'

export interface HttpGatewayOptions {
  engine: GatewayEngine
  /** Every configured target (forward mode finds targets by host pattern). */
  targets: readonly TargetConfig[]
  /** Where upstream secrets named by `*_env` are read. */
  env: Env
  holdSeconds: number
  /** Key of the keyed-hash mask strategy (the gateway's mask key). */
  maskKey: Uint8Array
  /** The command a reviewer runs to approve, shown with a held request. */
  approvalHint?(id: string): string
  /** MCP tool fingerprints (one registry per gateway); in memory when absent. */
  toolRegistry?: ToolRegistry
  /** Bytes of response bodies held at once to mask them (MASK_BUDGET_BYTES when absent). */
  maskBudgetBytes?: number
  /** identity.clock_skew_seconds: an upgraded or streamed answer ends this long after its token's exp (default 0). */
  clockSkewSeconds?: number
}

export interface HttpGateway {
  handle: Handler
  close(): void
}

interface Trace {
  started: number
  session?: SessionState
  judgement?: Judgement
  target?: string
  /** The kind of the target, once known: errors then take its dialect. */
  kind?: TargetKind
  decisionId?: string
  approvalId?: string
  bytesIn: number
  /** The caller (issuer and subject) once the token was accepted. */
  caller?: string
  /** Called once the response is over, whatever it was (an MCP request's id is then free again). */
  over?: () => void
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/** Refuses an answer masked by origin values that are no longer all of them. */
function sameOrigin(before: readonly string[], now: readonly string[]): void {
  const known = new Set(before)
  if (now.length === before.length && now.every((v) => known.has(v))) return
  throw new HttpGatewayError(502, 'http.mask_failed', 'the values this answer is masked by (the Secrets and ConfigMaps its pod names) changed while it was read; it was withheld: ask again')
}

/**
 * Drops an upstream body that will not be read. undici's body emits an abort error when destroyed unread, which
 * nothing else listens for here: unheard, it would end the process. (Until the request signal stopped being
 * aborted after every response, that abort reached the body first and hid this.)
 */
function discard(res: Readable): void {
  res.on('error', () => undefined)
  res.destroy()
}

/** The headers the normalizer sees: as sent, minus the agent's proxy credential and bearer JWT, with the body as forwarded. */
function judgedHeaders(headers: HeaderList, body: Uint8Array | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of headers) {
    const name = k.toLowerCase()
    if (name === 'proxy-authorization' || name === 'content-encoding' || name === 'content-length' || name === 'transfer-encoding') continue
    if (name === 'authorization' && /^\s*(bearer|basic)\s/i.test(v)) continue
    out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`
  }
  if (body) out['content-length'] = String(body.byteLength)
  return out
}

/**
 * A host that carries part of the request's meaning (a virtual-hosted bucket: `<bucket>.s3[.-]…amazonaws.com`,
 * `<bucket>.storage.googleapis.com`). Forwarding to upstream_http.url replaces the host, so such a request
 * would reach the upstream as another one.
 */
export function hostNamesResource(kind: string, authority: string): boolean {
  const { host } = splitAuthority(authority)
  // Any label before an `s3` / `s3-…` label names something: a bucket (dots allowed), an access point, an endpoint;
  // under every suffix the normalizer reads a bucket under (endpointFromHost: amazonaws.com.cn and api.aws too).
  if (kind === 'aws') return endpointFromHost(host).bucket !== undefined || /^.+\.s3(?:-[a-z0-9-]+)?\.(?:[a-z0-9-]+\.)*(?:amazonaws\.com(?:\.cn)?|api\.aws)$/.test(host)
  return kind === 'gcp' && /^.+\.storage\.googleapis\.com$/.test(host)
}

/**
 * Whether the apiserver reads the query as a watch: its first `watch` value is anything but `0` or `false`
 * (apimachinery's Convert_Slice_string_To_bool, as the normalizer reads it), `watch=yes` and a bare `watch` too.
 */
export function isWatch(query: string): boolean {
  const m = /(?:^|&)watch(?:=([^&]*))?(?:&|$)/.exec(query)
  if (!m) return false
  let value = m[1] ?? ''
  try {
    value = decodeURIComponent(value)
  } catch {
    // Kept as sent: not 0 or false either way.
  }
  value = value.toLowerCase()
  return value !== '0' && value !== 'false'
}

/**
 * Gives a whole answer's bytes back to the mask budget, and its share back, once. Returned unnamed: under tsx a
 * closure made as a named property (`done: () => …`) is renamed (a defineProperty) each time, once per request.
 */
function whenOver(budget: { give(n: number): void }, size: number, giveBack: () => void): () => void {
  let over = false
  return () => {
    if (over) return
    over = true
    budget.give(size)
    giveBack()
  }
}

export function createHttpGateway(opts: HttpGatewayOptions): HttpGateway {
  const { engine } = opts
  const upstreams = new Map<string, Upstream>()
  // Session id and start per token and target (the id is a hash of both, computed once). By token, then target
  // name: the token string (~1 KB) is hashed once per request for both lookups, not joined to the name and
  // hashed again. The SessionState handed to the engine is kept too, for the identity it was made with: the
  // engine keeps a session's frozen input part, and the schema check of it, by that object (gateway-engine.ts
  // sessionPart, input-check.ts), so a new object per request rebuilt and checked that part every time. A
  // token verified again (auth.ts) brings a new identity object, and with it a new SessionState.
  const sessions = new Map<string, Map<string, { id: string; started: string; state?: SessionState }>>()
  let sessionCount = 0
  const registry = opts.toolRegistry ?? createMemoryToolRegistry()
  const mcpSessions = createMcpSessionOwners()
  const mcpHeld = createMcpHeldCalls()
  const mcpEventIds = createMcpEventIds()
  // A session whose ids in flight are forgotten is ended, never left open with an id free to reuse.
  const mcpInFlight = createMcpIdsInFlight((server, session) => mcpSessions.forget(server, session))
  const mcpServerRequests = createMcpServerRequests()
  const maskBudget = createMaskBudget(opts.maskBudgetBytes)
  const startKeys = new StartKeys()
  const kubeWrites = new KubeWrites()
  const pageTokens = new PageTokens()
  const maskThread = new MaskThread()
  const failures = new FailureTally(engine.audit)
  const shares = createUpstreamShares()
  const upgradeShares = createUpstreamShares({ waitMs: 0, what: 'upgraded streams (exec, attach, port-forward, WebSocket)' })
  const upstreamOf = (t: TargetConfig) => {
    let u = upstreams.get(t.name)
    if (!u) upstreams.set(t.name, (u = createUpstream(t, opts.env)))
    return u
  }

  // One session per token and target, so grants given for one request cover the agent's retries.
  function sessionFor(identity: Identity, token: string, target: TargetConfig): SessionState {
    let byTarget = sessions.get(token)
    let known = byTarget?.get(target.name)
    if (!known) {
      if (sessionCount > 10_000) {
        sessions.clear()
        sessionCount = 0
        byTarget = undefined
      }
      if (!byTarget) sessions.set(token, (byTarget = new Map()))
      byTarget.set(target.name, (known = { id: `http-${sha(`${token}\n${target.name}`).slice(0, 24)}`, started: new Date().toISOString() }))
      sessionCount++
    }
    const kept = known.state
    if (kept && kept.identity === identity && kept.target === target) return kept
    return (known.state = { id: known.id, started_at: known.started, identity, target })
  }

  function record(req: GatewayRequest, trace: Trace, status: number, extra: { error?: string; bytesOut?: number; masked?: number } = {}) {
    const event = requestEvent(trace.session, trace.judgement, {
      mode: req.mode, client: req.client, method: req.method, target: trace.target, decisionId: trace.decisionId,
      approvalId: trace.approvalId, status, error: extra.error, bytesIn: trace.bytesIn, bytesOut: extra.bytesOut ?? 0,
      masked: extra.masked ?? 0, durationMs: performance.now() - trace.started,
    })
    // A request refused before anyone was authenticated: anyone can send those, as fast as they like.
    if (!trace.session && (status === 401 || status === 407)) failures.record(`http:${req.mode}:${extra.error}`, event, tallied(event))
    else engine.audit.record(event)
  }

  /**
   * Calls `end` when the caller's token stops being accepted (engine/identity/token-lifetime.ts): an upgraded or
   * streamed answer outlives the request that was verified. Returns the function that stops the watch.
   */
  function untilTokenExpires(token: string, trace: Trace, end: (why: string) => void): () => void {
    const skew = opts.clockSkewSeconds ?? 0
    const deadline = tokenDeadline(token, skew)
    return atDeadline(deadline, () => {
      const why = `the agent token that opened this stream expired at ${new Date(deadline - skew * 1000).toISOString()}; the gateway closed it`
      engine.audit.record({ type: 'error', time: new Date().toISOString(), session_id: trace.session?.id, target: trace.target, decision_id: trace.decisionId, code: 'token.expired', message: why })
      end(why)
    })
  }

  /**
   * On a durable audit trail, stores the release record before the request is forwarded (fail closed: a request
   * the trail cannot hold is refused; `audit.on_failure: continue` makes the sink resolve anyway).
   */
  async function release(req: GatewayRequest, trace: Trace, method: string): Promise<void> {
    const audit = engine.audit
    if (!audit.durable) return
    audit.record(releaseEvent(trace.session!, trace.judgement!, { mode: req.mode, client: req.client, method, target: trace.target, decisionId: trace.decisionId, approvalId: trace.approvalId }))
    try {
      await audit.durable()
    } catch (err) {
      throw new HttpGatewayError(503, 'http.audit_unavailable', `the audit trail could not store this request, so it was not forwarded: ${err instanceof Error ? err.message : String(err)}; retry once the audit store is back (an operator may set audit.on_failure: continue)`, { cause: err })
    }
  }

  async function handle(req: GatewayRequest): Promise<GatewayResponse> {
    const trace: Trace = { started: performance.now(), bytesIn: 0 }
    let out: GatewayResponse
    try {
      out = await serve(req, trace)
    } catch (err) {
      const e = err instanceof HttpGatewayError ? err : new HttpGatewayError(500, 'http.internal', `the gateway failed on this request: ${(err as Error).message}`, { cause: err })
      record(req, trace, e.status, { error: e.code })
      out = errorReply(e, trace.judgement ? trace.decisionId : undefined, trace.kind, req.headers)
    }
    if (trace.caller !== undefined) out.caller = trace.caller
    const { over } = trace
    if (!over) return out
    const done = out.done
    return { ...out, done: () => { done?.(); over() } }
  }

  async function serve(req: GatewayRequest, trace: Trace): Promise<GatewayResponse> {
    const forward = req.mode === 'forward'
    // Who is asking comes first: an unauthenticated client learns nothing about routes or targets.
    const caller = await authenticate(engine, req)
    trace.caller = callerKey(caller.identity)
    req.onCaller?.(trace.caller)
    let target: TargetConfig
    let rest: string
    if (forward) {
      const authority = req.tunnel?.authority ?? ''
      const found = targetForHost(opts.targets, authority)
      trace.target = authority
      if (!found) throw new HttpGatewayError(403, 'http.unknown_host', `no target serves ${authority}: add the host to a target's upstream_http.hosts (or to listeners.http_proxy.passthrough to tunnel it uninspected)`)
      target = found
      rest = req.url
    } else {
      const route = reverseRoute(req.url)
      trace.target = route.targetName
      target = httpTarget(engine.target(route.targetName), route.targetName)
      rest = route.rest
    }
    trace.target = target.name
    trace.kind = target.kind
    const canon = canonicalize(req.method, rest, req.headers, forward ? { authority: req.tunnel!.authority, sni: req.tunnel!.sni } : undefined, target.kind)
    const upstream = upstreamOf(target)
    const pathAndQuery = `${canon.path}${canon.query ? `?${canon.query}` : ''}`
    const url = upstream.url(pathAndQuery, forward ? `https://${req.tunnel!.authority}` : undefined)
    const judgedHost = forward ? req.tunnel!.authority : (target.upstream_http?.api_host ?? url.host)
    if (forward && target.upstream_http?.url && hostNamesResource(target.kind, req.tunnel!.authority)) {
      throw new HttpGatewayError(400, 'http.ambiguous', `ambiguous request refused: ${req.tunnel!.authority} names a resource in its host, which the upstream at upstream_http.url would not see; use path-style addressing (aws: s3.addressing_style = path; gcs: storage.googleapis.com/<bucket>)`)
    }
    const session = sessionFor(caller.identity, caller.token, target)
    trace.session = session
    trace.decisionId = decisionId()
    const judgedUrl = `https://${judgedHost}${pathAndQuery}`
    // An object upload is judged without its body, then streams (upload.ts); any other body is read whole first.
    let upload: Upload | undefined
    let uploadJudgement: Judgement | undefined
    let request: HttpJudgeRequest['request'] | undefined
    const declared = req.body && canon.bodyLength !== 0 && mayUpload(target.kind, canon.method) ? describeUpload(req.headers, canon) : undefined
    if (declared) {
      const asUpload = { method: canon.method, url: judgedUrl, headers: { ...judgedHeaders(req.headers, undefined), ...declared.judgedHeaders }, bodyNotRead: declared.note }
      const probe = engine.judge({ kind: 'http', session, request: asUpload })
      if (isObjectUpload(probe.input.command)) [upload, uploadJudgement, request] = [declared, probe, asUpload]
    }
    // No body declared (most GETs): nothing to read, and no await on the way.
    const body = upload || canon.bodyLength === 0 || !req.body ? undefined : await readRequestBody(req.body, canon, headerValue(req.headers, 'content-encoding'), target)
    trace.bytesIn = body?.byteLength ?? 0
    if (body) checkFormBody(canon.method, req.headers, body)
    request ??= { method: canon.method, url: judgedUrl, headers: judgedHeaders(req.headers, body), body, maxBodyBytes: bodyLimit(target) }
    // MCP targets: same route, hold and credential; their own judge request, refusals and answer processing.
    const mcp: McpFlow | undefined = target.kind === 'mcp'
      ? createMcpFlow({ engine, registry, sessions: mcpSessions, eventIds: mcpEventIds, inFlight: mcpInFlight, serverRequests: mcpServerRequests, held: mcpHeld, maskKey: opts.maskKey, holdSeconds: opts.holdSeconds, target, session, request, headers: req.headers, endpoint: url, upstream, decisionId: trace.decisionId })
      : undefined
    if (mcp) trace.over = () => mcp.over()
    const judgeRequest: JudgeRequest = mcp ? await mcp.judgeRequest() : { kind: 'http', session, request }
    const informational: Record<string, string> = {}
    const judged = judgeAndHold(engine, judgeRequest, {
      holdMs: opts.holdSeconds * 1000,
      summary: mcp ? mcp.summary : `${canon.method} ${judgedHost}${canon.path}`,
      // Read only if the request is held: the node adapter makes the signal on first use (types.ts `gone`).
      get signal() {
        return mcp ? mcp.holdSignal(req.signal) : req.signal
      },
      // Read only if the request is held, like the signal: what a statement grant covers, query and body included.
      get reviewText() {
        return mcp ? mcp.reviewText() : httpReviewText(request)
      },
      judgement: uploadJudgement,
      // An MCP tool may change while its call is held: judged again with the registry's state of that moment.
      ...(mcp ? { again: () => mcp.judgeRequest() } : {}),
      onHeld(held) {
        trace.approvalId = held.id
        engine.audit.record({
          type: 'approval', time: new Date().toISOString(), session_id: session.id, target: target.name, approval_id: held.id,
          action: 'requested', protocol: target.kind, via: req.mode, method: canon.method, url: held.command.summary, reasons: held.reasons,
        })
        informational['x-warden-approval'] = held.id
        informational.warning = `299 - "warden: held for approval ${held.id}${opts.approvalHint ? `; a reviewer runs: ${opts.approvalHint(held.id)}` : ''}"`
        req.onHeld?.({ ...informational })
      },
    })
    // An MCP flow learns when its judgement settled; other requests spend no promise on it.
    const outcome = await (mcp ? judged.finally(() => mcp.settled()) : judged)
    trace.judgement = outcome.judgement
    const approvalHeaders: Record<string, string> = trace.approvalId
      ? { 'x-warden-approval': trace.approvalId, warning: `299 - "warden: held for approval ${trace.approvalId}${outcome.allow ? ', approved' : ''}"` }
      : {}
    // A hold can outlast the token that sent the request: released only while the token is still accepted.
    if (outcome.allow && trace.approvalId !== undefined && Date.now() >= tokenDeadline(caller.token, opts.clockSkewSeconds ?? 0)) {
      const status = req.mode === 'forward' ? 407 : 401
      throw new HttpGatewayError(status, 'http.token_invalid', `held for approval ${trace.approvalId} and approved, but the agent token expired while it was held, so it was not forwarded; send it again with a new token (the approval's grant covers it)`, { headers: req.mode === 'forward' ? { 'proxy-authenticate': 'Basic realm="warden", charset="UTF-8"' } : { 'www-authenticate': 'Bearer realm="warden"' } })
    }
    if (!outcome.allow && mcp) {
      const reply = mcp.refusal(outcome)
      record(req, trace, reply.status, { error: outcome.why })
      return { ...reply, headers: { ...reply.headers, ...approvalHeaders } }
    }
    if (!outcome.allow) {
      const reasons = outcome.judgement.decision.reasons
      const id = outcome.approvalId
      const message = {
        denied: `denied: ${reasonsText(outcome.judgement.decision)}`,
        rejected: `held for approval ${id}; a reviewer rejected it`,
        expired: `held for approval ${id}; no reviewer approved it within ${opts.holdSeconds}s, so it ended unforwarded and can no longer be approved; send it again: it is held as a new request, for a reviewer to approve while it waits`,
        cancel: `held for approval ${id}; the hold was cancelled`,
        disconnect: `held for approval ${id}; the client went away`,
        still_denied: `approved as ${id} but still not allowed: ${reasonsText(outcome.judgement.decision)}`,
        unavailable: `could not hold for approval${id ? ` (${id})` : ''}: ${outcome.why === 'unavailable' ? outcome.message : ''}`,
      }[outcome.why]
      record(req, trace, 403, { error: outcome.why })
      return refusalReply(target.kind, req.headers, {
        status: 403, code: id ? 'http.held' : 'http.denied', message, reasons, decisionId: trace.decisionId, headers: approvalHeaders,
      })
    }
    const masks = bodyMasks(outcome.judgement.decision.obligations.mask)
    if (canon.upgrade !== undefined && masks.length) {
      // An upgraded stream (exec, attach, port-forward, WebSocket) is raw bytes no masker can read.
      throw new HttpGatewayError(502, 'http.mask_failed', `the decision requires masking, but ${canon.upgrade} streams cannot be masked; the upgrade was not forwarded (a policy must grant it without mask obligations)`)
    }
    if (upload?.refusal) throw upload.refusal
    const ranges = headerValues(req.headers, 'range')
    const cut = masks.length ? partialReadRefusal(target.kind, canon.method, canon.query) ?? rangeRefusal(target.kind, canon.method, ranges) : undefined
    if (cut) throw cut
    const command = outcome.judgement.input.command
    const sessionId = trace.session!.id
    // Masks by origin (a pod's Secrets, in its log) are looked up below and hidden before the others apply; the
    // maskers get the rest. A source this request cannot have looked up refuses it (pod-secrets.ts).
    const { sources, rest: rules } = splitMaskSources(masks)
    const oracle = filterRefusal(target.kind, command, canon.query, rules, opts.maskKey, (body) => startKeys.handedOut(sessionId, body), (token) => pageTokens.handedOut(sessionId, canon.path, token))
    if (oracle) throw oracle
    // A Kubernetes Table's cells are masked by origin: asked for with each row's object (kube-tables.ts).
    const kube = command.kubernetes
    const readsObjects = kube !== undefined && kube.is_resource_request && kube.subresource === '' && ['get', 'list', 'watch'].includes(kube.verb)
    const table = target.kind === 'kubernetes' && masks.length ? kubeTableRead(canon.query, headerValues(req.headers, 'accept'), readsObjects) : undefined
    if (table && table.query !== canon.query) url.search = `?${table.query}`
    // Read with the gateway's credential before the log is asked for: values it cannot know refuse the request.
    // Most requests name no source: no await on their way.
    const lookUpOrigin = () => sourceValues(sources, {
      kubernetes_pod_secrets: () => lookUpPodSecrets(command.kubernetes, (path, signal) => readObject(upstream, upstream.url(path, forward ? `https://${req.tunnel!.authority}` : undefined), judgedHost, signal), req.signal,
        (resource, name) => kubeWrites.lastWritten(command.kubernetes?.namespace ?? '', resource, name)),
    })
    const origin: readonly string[] = sources.length === 0 ? [] : await lookUpOrigin()
    if (mcp) await mcp.approved(outcome)
    if (engine.audit.durable) await release(req, trace, canon.method)
    // A write of a Secret or ConfigMap, noted before it is forwarded: logs of pods made before it are refused.
    if (target.kind === 'kubernetes') kubeWrites.note(command.kubernetes)
    const outgoing: { headers: Record<string, string>; body?: Uint8Array | Readable } = mcp ? mcp.outgoing()
      : upload ? { headers: { ...forwardableHeaders(req.headers, false), ...upload.forwardHeaders }, body: upload.body(req.body!, (n) => (trace.bytesIn = n)) }
      : { headers: forwardableHeaders(req.headers, canon.upgrade !== undefined), body }
    const headers = outgoing.headers
    // A body to be masked must be readable: ask only for codings the masker can undo (MCP answers are always read).
    if (masks.length || mcp) headers['accept-encoding'] = 'gzip, deflate, br'
    // A body to be masked must be whole: a byte range of a document is no document (a value cut out of it, or
    // a secret cut in pieces no detector matches). A ranged GET was refused above; what is left (a range from
    // byte 0, whose answer is checked below to be no longer than it, a Range on another method, If-Range) is dropped.
    if (masks.length) for (const name of ['range', 'if-range']) delete headers[name]
    // Nor is a read of it an oracle: If-None-Match / If-Match with a guessed digest (S3's ETag is the MD5 of the
    // object) would answer 304 or 412 for the right guess of what the mask hides. Writes keep theirs (S3's
    // If-None-Match: * is what stops a PutObject from overwriting).
    if (masks.length && (canon.method === 'GET' || canon.method === 'HEAD')) for (const name of ['if-none-match', 'if-match']) delete headers[name]
    // A pooled request holds one of the requester's shares until its answer ends; an upgrade, until its socket closes.
    const requester = `${caller.identity.issuer}\u0000${caller.identity.sub}`
    const giveBack = await (canon.upgrade === undefined ? shares : upgradeShares).take(target.name, requester)
    const budget = maskBudget.of(requester)
    let handedOver = false
    try {
      const reply = await upstream.send({ method: canon.method, url, headers, body: outgoing.body, payloadHash: upload?.payloadHash, agentAuthorization: headerValue(req.headers, 'authorization'), judgedHost }, { upgrade: canon.upgrade !== undefined, signal: canon.upgrade !== undefined || !req.gone ? req.signal : undefined, gone: req.gone })
      const gatewayHeaders = { 'x-warden-decision-id': trace.decisionId, ...approvalHeaders }
      if (reply.kind === 'upgrade') {
        handedOver = true
        record(req, trace, 101)
        const stop = untilTokenExpires(caller.token, trace, () => reply.socket.destroy())
        const closed = () => { stop(); giveBack() }
        if (reply.socket.destroyed) closed()
        else reply.socket.once('close', closed)
        const upgraded: Record<string, string> = { ...(reply.res.headers as Record<string, string>), ...gatewayHeaders }
        dropUpstreamOnly(upgraded)
        // The 101's headers are an answer's headers too: the gateway's credential echoed in them is hidden.
        hideCredentialHeaders(upgraded, credentialForms(upstream.secrets()))
        return { status: 101, headers: upgraded, upgrade: { socket: reply.socket, head: reply.head } }
      }
      const res = reply.res
      const status = res.statusCode ?? 502
      // The gateway's credential, should the upstream echo it: hidden in masked bodies and in every answer's headers.
      const credentials = credentialForms(upstream.secrets())
      const noBody = canon.method === 'HEAD' || status === 204 || status === 304
      let out: MaskedBody | { headers: Record<string, string | string[]>; body: Readable; masked(): number }
      if (mcp) {
        try {
          out = await mcp.answer(res, outcome)
        } catch (err) {
          discard(res)
          if (!(err instanceof HttpGatewayError) || err.code !== 'http.mcp_failed') throw err
          // Withheld as MCP: the client reads why as a JSON-RPC error to its request.
          record(req, trace, err.status, { error: err.code })
          const reply = mcp.withheld(err)
          return { ...reply, headers: { ...reply.headers, ...approvalHeaders } }
        }
      } else if (masks.length && !noBody) {
        // A watch is the apiserver's: `?watch=1` on another API (ignored there) streamed a JSON answer line by line.
        const watch = target.kind === 'kubernetes' && isWatch(canon.query)
        try {
          const covers = rangeFromStart(canon.method, ranges)
          const longer = covers === undefined ? undefined : rangeCutRefusal(target.kind, ranges, covers, res)
          if (longer) throw longer
          if (status === 206) throw new HttpGatewayError(502, 'http.mask_failed', 'the response must be masked but the upstream sent part of a document (206 Partial Content), which cannot be masked; it was withheld')
          out = isEventStream(res) ? maskLines(res, rules, opts.maskKey, 'sse', credentials, maskThread, undefined, origin)
            : isJsonLines(res, watch) ? maskLines(res, rules, opts.maskKey, 'ndjson', credentials, maskThread, table?.form, origin)
            : await maskWholeBody(res, rules, opts.maskKey, credentials, budget, maskThread, table?.form, origin)
          // A followed log is read for as long as the pod runs: a Secret rotated meanwhile (by a controller, or a
          // write elsewhere) gives the pod values the masks of its start did not know. Looked up again once read.
          if (sources.length && out.body instanceof Uint8Array) sameOrigin(origin, await lookUpOrigin())
          // A page's LastEvaluatedKey, as masked, may come back as the next page's start key.
          if (command.cloud?.service === 'dynamodb' && command.cloud.provider === 'aws' && out.body instanceof Uint8Array) startKeys.remember(sessionId, command.http?.body, out.body)
        } catch (err) {
          discard(res)
          throw err
        }
      } else {
        out = { ...streamUnmasked(res), masked: noneMasked }
      }
      // A folder listing whose prefix ends inside a name keeps whole segments only (listing-filters.ts).
      const segment = masks.length && !mcp ? segmentPrefix(command, rules) : undefined
      if (segment !== undefined) {
        if (!(out.body instanceof Uint8Array)) {
          discard(res)
          throw new HttpGatewayError(502, 'http.mask_failed', 'the listing must be cut to whole names, but it was not answered as one JSON document; it was withheld')
        }
        const kept = wholeSegmentsOnly(out.body, segment)
        out = { ...out, body: kept, headers: { ...out.headers, 'content-length': String(kept.byteLength) } }
      }
      // A listing's nextPageToken, as masked, may come back as the next page's pageToken.
      if (masks.length && command.cloud?.method === 'storage.objects.list' && out.body instanceof Uint8Array) pageTokens.remember(sessionId, canon.path, out.body)
      let digests = 0
      if (masks.length && out.body instanceof Uint8Array && describesStoredObjects(command)) {
        const dropped = dropStoredDigests(out.body, String(out.headers['content-type'] ?? ''), opts.maskKey)
        digests = dropped.dropped
        out = { ...out, body: dropped.body, headers: { ...out.headers, 'content-length': String(dropped.body.byteLength) } }
      }
      const responseHeaders = { ...out.headers, ...gatewayHeaders }
      dropUpstreamOnly(responseHeaders)
      // MCP answers are masked by the MCP flow; any other answer under a mask gets its headers masked, body or none.
      const hiddenInHeaders = hideCredentialHeaders(responseHeaders, origin, SECRET_MASK) + hideCredentialHeaders(responseHeaders, credentials) + (masks.length && !mcp ? maskHeaders(responseHeaders, rules, opts.maskKey) : 0)
      if (masks.length && digestsSentBytes(command.cloud, req.headers, canon.query, status)) keepDigestOfSent(responseHeaders, res.headers)
      if (out.body instanceof Uint8Array) {
        // A whole body stays in memory until its client has read it, which a client may never do: its bytes stay
        // counted in the mask budget, and the request keeps its share, until the response is over. Given back when
        // masked, a client that read nothing held every masked answer it asked for (up to MAX_MASKED_BYTES each,
        // one per connection) past any bound, until the gateway's memory ran out for every session.
        const size = out.body.byteLength
        if (!budget.take(size)) throw maskBudgetBusy()
        handedOver = true
        record(req, trace, status, { bytesOut: size, masked: out.masked() + hiddenInHeaders + digests })
        return { status, headers: responseHeaders, body: out.body, done: whenOver(budget, size, giveBack) }
      }
      let bytesOut = 0
      const source = out.body
      const stream = new Transform({ transform(c: Buffer, _e, cb) { bytesOut += c.byteLength; cb(null, c) } })
      source.once('error', (err) => stream.destroy(err))
      source.pipe(stream)
      let done = false
      const stop = untilTokenExpires(caller.token, trace, (why) => stream.destroy(new Error(why)))
      const finish = (error?: string) => {
        if (done) return
        done = true
        stop()
        giveBack()
        record(req, trace, status, { bytesOut, masked: out.masked() + hiddenInHeaders, error })
      }
      handedOver = true
      stream.once('end', () => finish())
      stream.once('error', (err) => finish(`stream: ${err.message}`))
      stream.once('close', () => finish())
      return { status, headers: responseHeaders, body: stream }
    } finally {
      if (!handedOver) giveBack()
    }
  }

  return {
    handle,
    close() {
      for (const u of upstreams.values()) u.close()
      failures.flush()
      void maskThread.close()
    },
  }
}
