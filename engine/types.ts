// The two contracts every part of Warden shares: the input document a policy sees and the decision it
// returns. schemas/input.schema.json and schemas/decision.schema.json are the source of truth; these
// types mirror them.

export type IdentityKind = 'agent' | 'human'

export interface Identity {
  sub: string
  issuer: string
  groups: string[]
  client_id?: string
  kind: IdentityKind
  email?: string
}

/**
 * Scope of an approval grant: the exact statement text, its shape (literals ignored), the session, or everything
 * the same identity would be held for on the same target (for the grant's time window). Statement, fingerprint
 * and target grants belong to the requester's identity and target, so they outlive the session (a reconnect, a
 * gateway restart); session grants end with the session.
 */
export type GrantScope = 'statement' | 'fingerprint' | 'session' | 'target'

export interface Grant {
  id: string
  scope: GrantScope
  /** sha256 of the raw command, for scope `statement`. */
  digest?: string
  /** Parser fingerprint of the command, for scope `fingerprint`. */
  fingerprint?: string
  approved_by: string
  /**
   * The approver groups the people who approved it were in (among those the request needed), and how many
   * different people they were: a grant covers a command only when these satisfy the approval it needs now.
   * Absent on grants made before they were recorded; those cover nothing.
   */
  approver_groups?: string[]
  approvals?: number
  /** How many different people approved it from these groups, for each rule's own count (ApprovalObligation.quorums). */
  group_approvals?: Array<{ groups: string[]; approvals: number }>
  /** Expiry as Unix nanoseconds, compared with time.now_ns() in Rego. */
  expires_at_ns: number
}

export interface Session {
  id: string
  started_at: string
  grants: Grant[]
}

export type TargetKind = 'postgres' | 'mysql' | 'http' | 'kubernetes' | 'gcp' | 'aws' | 'mcp'

export interface Target {
  name: string
  kind: TargetKind
  environment: string
  labels: Record<string, string>
}

export type Protocol = 'postgres' | 'mysql' | 'http' | 'kubernetes' | 'gcp' | 'aws' | 'mcp'

/** How a statement nested inside another was reached. */
export type NestedVia =
  | 'cte'
  | 'explain'
  | 'prepare'
  | 'execute'
  | 'do'
  | 'function_body'
  | 'rule'
  | 'subquery'

export type StatementType =
  | 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'values'
  | 'create' | 'create_table_as' | 'select_into' | 'alter' | 'drop' | 'truncate' | 'rename' | 'comment'
  | 'grant' | 'revoke' | 'create_role' | 'alter_role' | 'drop_role' | 'set_role' | 'reassign_owned' | 'drop_owned'
  | 'alter_system' | 'copy' | 'do' | 'call' | 'create_function' | 'create_extension' | 'load'
  | 'set' | 'reset' | 'show' | 'explain' | 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release'
  | 'prepare' | 'execute' | 'deallocate' | 'declare_cursor' | 'fetch' | 'close' | 'discard'
  | 'lock' | 'vacuum' | 'analyze' | 'cluster' | 'reindex' | 'refresh_materialized_view' | 'checkpoint'
  | 'listen' | 'notify' | 'unlisten' | 'other'

export interface SqlTable {
  /** Schema as written, or null when unqualified. */
  schema: string | null
  name: string
  /** schema.name when qualified, otherwise name. */
  full_name: string
  access: 'read' | 'write'
}

export interface SqlColumn {
  /** Table full_name the column belongs to when knowable, else null. */
  table: string | null
  /** Column name; `*` for a star expansion. */
  name: string
  access: 'read' | 'write'
}

export interface SqlFunction {
  schema: string | null
  name: string
  /** schema.name when qualified, otherwise name. */
  full_name: string
}

/** A base table column a value comes from. `table` is the relation as resolved (schema.name when the catalog
 * knows it, else as written), null when the column could belong to several relations. */
export interface SqlColumnRef {
  table: string | null
  column: string
}

/**
 * A base column a predicate reads. `lookup`: every use of it compares the column itself for equality with
 * values the statement gives (`= 'x'`, `<> $1`, `IN (…)`, `= ANY ('{a,b}')`, `IS [NOT] NULL`; not `= ANY ($1)` or `ARRAY[$1]`, arrays of any size), alone or under
 * AND / OR / NOT: such a filter confirms a value the caller already has, where LIKE, ranges, functions of the
 * column, ORDER BY or GROUP BY reveal an unknown one a bit at a time.
 */
export interface SqlPredicate extends SqlColumnRef {
  lookup?: true
  /** Other base columns a condition reads together with this one (not a join `a = b` of two columns as they are). */
  against?: SqlColumnRef[]
  /**
   * A condition reads this column together with values of rows the statement makes (VALUES, a function in FROM, a
   * subquery of constants): candidates it can be matched against, copying its value into rows that are not masked.
   */
  against_candidates?: true
}

/**
 * Where one output column of a row-returning statement gets its values (column lineage).
 * - plain: exactly the value of one base column (`email`, `u.email AS e`, a star expansion);
 * - derived: computed from `sources` (expressions, casts, aggregates, windows, whole-row references …);
 *   `safe` when every derivation is on the short list that cannot reveal a value (`count(x)`, `x IS NULL`);
 * - unknown: the gateway cannot tell (a function that may read tables, a relation the catalog does not know …);
 *   `reason` says why. Unknown lineage is never treated as "no sources".
 */
export interface SqlOutput {
  name: string
  lineage: 'plain' | 'derived' | 'unknown'
  sources: SqlColumnRef[]
  safe?: boolean
  reason?: string
  /** A star (`*`, `t.*`) over a relation whose columns are not known: one entry stands for all of them. */
  star?: boolean
  /** Functions the value passes through (schema-qualified when written so); the policy judges whether each
   * is known to compute only from its arguments. */
  functions?: string[]
}

/**
 * A value a statement keeps on the server, where a later query can read it back without the statement that put
 * it there: a column it writes (INSERT, UPDATE SET, MERGE, ON CONFLICT DO UPDATE, CREATE TABLE AS, SELECT INTO),
 * an argument of a call that keeps its arguments (setval: a sequence's value; advisory locks: a key pg_locks
 * shows), or, for a statement in a function's body, what it reads (`routine`: the function hands it on to its
 * callers, triggers, defaults). Its lineage is that of the value kept; `name` is the column (`*` when values
 * cannot be placed in a column) or the function.
 */
export interface SqlStored extends SqlOutput {
  into: 'column' | 'function' | 'routine'
  /** The relation written (schema.name when the catalog resolved it, else as written); null for a function. */
  table: string | null
  /** Written into a column whose values the server checks first (CatalogRelation.checked_columns): code runs over it. */
  checked?: true
}

export interface SqlStatement {
  type: StatementType
  /** The parser's node name, e.g. SelectStmt, for rules that need finer detail. */
  node: string
  text: string
  /** True only when the statement is positively recognised as read-only. */
  read_only: boolean
  tables: SqlTable[]
  columns: SqlColumn[]
  functions: SqlFunction[]
  /**
   * For update / delete: whether a WHERE clause limits the rows changed. False without one, and when it cannot
   * (`WHERE true`, `WHERE 1 = 1`, `… OR true`, a condition on another table only): every row or none changes.
   */
  has_where: boolean
  /** Present when this statement was found inside another one. */
  nested?: { via: NestedVia; parent_index: number }
  /** Output columns, in order, for statements that return rows (SELECT, VALUES, RETURNING, EXPLAIN, FETCH, EXECUTE …). */
  outputs?: SqlOutput[]
  /**
   * Base columns read by predicates and ordering (WHERE, JOIN ON, HAVING, ORDER BY, GROUP BY, window PARTITION/ORDER),
   * and by any value the statement computes (a function, operator, cast or CASE, not count or IS NULL, anywhere in it):
   * what decides which rows come back, or whether the statement fails or how long it runs.
   */
  predicates?: SqlPredicate[]
  /** Values the statement keeps on the server for later reads (see SqlStored). */
  stored?: SqlStored[]
  /** A string literal holds a value Warden's masks write (engine/normalize/mask-output.ts); absent otherwise. */
  carries_mask_output?: true
  /** Kind-specific detail: object kind of a DROP/CREATE, SET name and value, EXPLAIN analyze flag, COPY direction, prepared name … */
  detail: Record<string, unknown>
}

export interface SqlCommand {
  dialect: 'postgres' | 'mysql'
  statements: SqlStatement[]
  /** Set when the text could not be parsed; statements is then empty. */
  parse_error?: string
}

export interface HttpCommand {
  method: string
  scheme: string
  host: string
  path: string
  query: Record<string, string[]>
  /** Selected headers, lower-cased names; credential headers are never copied. */
  headers: Record<string, string>
  body?: unknown
  body_error?: string
  /** The body (parsed, or as text when of a type not parsed) holds a value Warden's masks write (engine/normalize/mask-output.ts); absent otherwise. */
  carries_mask_output?: true
}

export interface KubernetesCommand {
  is_resource_request: boolean
  verb: string
  api_prefix: string
  api_group: string
  api_version: string
  namespace: string
  resource: string
  subresource: string
  name: string
  path: string
}

export interface CloudCommand {
  provider: 'gcp' | 'aws'
  service: string
  /** e.g. GCP `cloudfunctions.functions.create`, AWS `s3:DeleteObject`. */
  method: string
  /** Short operation verb: get, list, create, update, delete, setIamPolicy … */
  operation: string
  resource: string
  region?: string
  read_only: boolean
  /** Cloud Logging entries:list: what its filter restricts (engine/normalize/cloud/gcp-logging.ts). */
  log_filter?: LogFilter
  /**
   * The objects a write reads (S3 CopyObject and UploadPartCopy, Cloud Storage compose, rewrite and copy): each is
   * judged as a read of it too (policies/warden/sources.rego).
   */
  sources?: CloudSource[]
  /** Why the objects a write reads could not be named for certain: the write is refused. */
  source_error?: string
}

/** An object a write reads, named as a read of it would name it (`resource`), in its own bucket. */
export interface CloudSource {
  /** arn:aws:s3:::BUCKET/KEY or projects/_/buckets/BUCKET/objects/NAME. */
  resource: string
  bucket: string
  object: string
  /** S3 versionId, Cloud Storage generation. */
  version?: string
}

/**
 * One restriction of a Cloud Logging filter. `field` is the path as written (`resource.labels.zone`,
 * `jsonPayload."a.b"`), empty for a free-text term; `operator` is the comparison (`=`, `:`, `=~` …) or a function
 * call (`log_id()`, `search()`); `term` is the restriction as written, cut at 80 characters, for reasons.
 */
export interface LogFilterRestriction {
  field: string
  operator: string
  value_kind: 'string' | 'text' | 'number' | 'none'
  term: string
}

export interface LogFilter {
  /** Characters (code points) of the longest filter the request carries. */
  length: number
  restrictions: LogFilterRestriction[]
  /** What could not be read for certain: a filter Warden cannot parse, a request field it does not know. */
  parse_error?: string
}

/** Whether a tool's description and schema are the ones the gateway recorded (see proxy/http/mcp/fingerprint.ts). */
export type McpToolStatus = 'recorded' | 'changed' | 'unseen'

/** What else than a tool a server tells the model, fingerprinted as tools are: initialize's instructions, a listed prompt, resource or resource template. */
export type McpDefinitionKind = 'instructions' | 'prompt' | 'resource' | 'template'

/** A definition a message relies on whose current text differs from the recorded one (a "rug pull"). */
export interface McpChangedDefinition {
  kind: McpDefinitionKind
  /** The prompt's name, the resource's uri, the template's uriTemplate; `instructions` for the instructions. */
  name: string
  fingerprint: string
}

/**
 * One MCP JSON-RPC message (streamable HTTP). `direction` says who sent it: the client (a POST body) or the
 * server (a request arriving on the response stream, e.g. sampling/createMessage). Batches are refused
 * (parse_error): MCP 2025-06-18 removed them.
 */
export interface McpCommand {
  /** The MCP server: the target's configured server id, or its name. */
  server: string
  direction: 'client' | 'server'
  /** `transport`: an HTTP GET (open the server's stream) or DELETE (end the session), no JSON-RPC message. */
  kind: 'request' | 'notification' | 'response' | 'transport'
  /** JSON-RPC method (initialize, tools/list, tools/call, resources/read …; transport/open_stream,
   * transport/end_session for transport); absent for responses. */
  method?: string
  id?: string | number | null
  /** tools/call: the tool's name and its arguments. */
  tool?: string
  arguments?: Record<string, unknown>
  /** resources/read, subscribe: the resource URI; prompts/get: the prompt name; completion/complete: its ref's. */
  uri?: string
  prompt?: string
  /** tools/call: fingerprint status of the tool, from the gateway's registry. */
  tool_status?: McpToolStatus
  /** sha256 of the tool's current canonical definition, when the gateway has seen it. */
  tool_fingerprint?: string
  /** True when the tool's current definition differs from the one recorded (a "rug pull"). */
  tool_changed?: boolean
  /**
   * tools/call, resources/read, resources/subscribe, prompts/get, completion/complete: the server's instructions and
   * the prompt, resource or template the message names, when changed since recorded (absent when none is).
   */
  changed_definitions?: McpChangedDefinition[]
  /** Set when the body is not one well-formed JSON-RPC 2.0 message; the rest is then best effort. */
  parse_error?: string
}

export interface Command {
  protocol: Protocol
  raw: string
  /** sha256 hex of raw, the key of a `statement` grant. */
  digest: string
  /** Shape of the command with literals removed, the key of a `fingerprint` grant. */
  fingerprint: string
  sql?: SqlCommand
  http?: HttpCommand
  kubernetes?: KubernetesCommand
  cloud?: CloudCommand
  mcp?: McpCommand
}

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical'

export interface Risk {
  level: RiskLevel
  score: number
  reasons: string[]
}

export interface InputDocument {
  identity: Identity
  session: Session
  target: Target
  command: Command
  risk: Risk
}

// ---- decision ----

export type Effect = 'allow' | 'deny' | 'approve'

export interface Reason {
  rule: string
  message: string
}

export type MaskStrategy = 'redact' | 'partial' | 'hash' | 'null'

/** Exactly one of column, detector or path says what to mask. */
export interface MaskObligation {
  /** Column name, case-insensitive, `*` as a wildcard (e.g. `card*`). */
  column?: string
  /** Content detector: email, payment_card, iban, us_ssn, phone, aws_access_key, private_key, jwt, bearer_token, url_credential, secret_assignment, api_token, or `all`. */
  detector?: string
  /** JSON path in an HTTP response body, dot-separated, `*` for any key or index. */
  path?: string
  /**
   * Values masked by where they come from, which the frontend looks up before masking (MASK_SOURCES):
   * `kubernetes_pod_secrets`, every value of the Secrets a pod can see and its literal env values, wherever its log prints them.
   */
  source?: string
  strategy?: MaskStrategy
  rule?: string
}

export interface ApprovalObligation {
  /** Groups whose members may approve. */
  approvers: string[]
  scope: GrantScope
  ttl_seconds: number
  /** Distinct people who must approve ("N of"); 1 when absent. */
  min_approvals?: number
  /** Every group in `approvers` must be represented among the approvers ("all of these groups"), not just one. */
  all_groups?: boolean
  /**
   * One approver from each of these sets of groups (each rule that asked for approval names its own groups, and
   * each must be met), when that is neither one from any group nor one from every group.
   */
  approver_sets?: string[][]
  /**
   * Each rule's own "N of" when its groups are not all of `approvers`: at least `min_approvals` different people
   * from `groups` (two rules each asking for two people, from security and from dba, need two of each).
   */
  quorums?: ApprovalQuorum[]
}

export interface ApprovalQuorum {
  groups: string[]
  min_approvals: number
}

export interface AuditObligation {
  /** Extra redaction applied before recording. */
  redact?: string[]
}

export interface Obligations {
  mask: MaskObligation[]
  approval?: ApprovalObligation
  audit?: AuditObligation
}

export interface Decision {
  effect: Effect
  reasons: Reason[]
  obligations: Obligations
}
