# The default policy for cloud API calls (GCP and AWS, input.command.cloud). Positively read-only calls
# are allowed, except reading secret values or minting credentials (sensitive); IAM and resource-policy
# changes are privilege changes; deletes are destructive; creates, deploys and everything else change; a call
# Warden cannot name is sensitive.
package warden.rules.cloud

import data.warden.lib
import data.warden.settings

raw := input.command.cloud

# moto runs an AWS operation by its snake_case name, where a run of capitals is one word: GetSecretVALUE and
# GetSECRETValue ran as GetSecretValue, judged as reads no list names, and answered the secret. A spelling that
# differs only in letter case from a method this policy names is judged as that method (AWS itself answers it
# with an unknown operation). The normalizer refuses a first word in other case (GETSecretValue, DELETETable).
c := object.union(raw, {"method": m, "operation": substring(m, indexof(m, ":") + 1, -1)}) if {
	raw.provider == "aws"
	some m in named_methods
	lower(m) == lower(raw.method)
	m != raw.method
} else := raw

named_methods := (((({m | some m, _ in catalog.secret_methods} | {m | some m, _ in catalog.answer_secret_paths}) | filter_methods) | log_search_methods) | credential_named_reads) | {"ec2:DescribeInstanceAttribute"}

cloud_request if {
	input.command.protocol in {"gcp", "aws"}
	is_object(c)
}

# The cloud tables live in data.warden.catalog.cloud (policies/warden/catalog/cloud/data.json):
#   secret_methods      reads whose result is a secret or a credential
#   identity_services   services whose every write changes who may do what
#   answer_secret_paths method -> JSON paths of its answer that hold secret values (environment variables,
#                       cluster client keys, instance metadata): masked, the rest of the answer stays readable
#   instance_attributes_without_secrets  ec2:DescribeInstanceAttribute attributes that answer with no secret
catalog := data.warden.catalog.cloud

# AWS reads named for the credential they answer with, past those the catalog lists (GetWebIdentityToken,
# GetClusterCredentialsWithIAM, GetRelationalDatabaseMasterUserPassword, GetOpenIdTokenForDeveloperIdentity,
# GetPasswordData, GetStreamKey, GetSessionEmbedUrl …): a new one is held by its name before anyone lists it,
# in any letter case (moto runs GetPasswordDATA as GetPasswordData).
credential_operation_pattern := concat("", [
	`(?i)^(Get|BatchGet)[A-Za-z]*`,
	`(Credentials?|Token|Password|PasswordData|AccessDetails|StreamKey|EmbedUrl|PresignedUrl|PresignedURL|ComputeAccess|InstanceAccess|DataAccess)`,
	`(For[A-Za-z]+|WithIAM)?$`,
])

secret_method if catalog.secret_methods[c.method]

secret_method if {
	c.provider == "aws"
	regex.match(credential_operation_pattern, c.operation)
	not credential_named_reads[c.method]
}

# Named for a password, but reading none: GetRandomPassword answers a string it generates, held by no one.
credential_named_reads := {"secretsmanager:GetRandomPassword"}

# EC2 answers in XML, where no JSON path can mask a field: an instance's user data (base64 of the startup script,
# where passwords are written) is held rather than masked. Any attribute not known to be harmless is held, so an
# odd spelling, a repeated parameter or a missing one fails closed.
secret_method if {
	c.method == "ec2:DescribeInstanceAttribute"
	some attribute in instance_attributes
	not catalog.instance_attributes_without_secrets[attribute]
}

secret_method if {
	c.method == "ec2:DescribeInstanceAttribute"
	count(instance_attributes) == 0
}

# A call that filters or conditions on what a mask hides says whether the hidden value matches: a DynamoDB Scan
# whose filter is begins_with(api_key, :guess) answers Count 1 or 0, an UpdateItem whose condition is the same
# answers success or ConditionalCheckFailed, and either reads the masked key a character at a time. Calls whose
# expressions, aliases or legacy filters (at any depth: TransactWriteItems) name an attribute a mask covers by its
# name are held like the secret itself; so is one whose body the policy cannot read. An UpdateItem whose update
# expression reads one (`SET notes = api_key`) copies the masked value under a name no mask covers, and answers it.
# CloudWatch Logs searches are the same oracle on log lines the detectors mask: a FilterLogEvents pattern
# `"password=guess"` (or `{ $.password = "a*" }`), an Insights query or a live tail filtering on `password=` answer
# with events (masked) only when the guess is right; so does a Cloud Logging read (`gcloud logging read
# 'textPayload:"password=guess"'`).
filter_methods := {
	"dynamodb:Scan", "dynamodb:Query", "dynamodb:ExecuteStatement", "dynamodb:BatchExecuteStatement",
	"dynamodb:ExecuteTransaction", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
	"dynamodb:TransactWriteItems", "logs:FilterLogEvents", "logs:StartQuery", "logs:StartLiveTail",
	"logging.entries.list",
}

secret_name_pattern := `(?i)(pass|pwd|secret|token|credential|api_?key|access_?key|private_?key|auth_?key)`

secret_method if {
	c.method in filter_methods
	not agent_log_read
	some text in filter_texts
	regex.match(secret_name_pattern, text)
}

# A helper: `not is_object(input.command.http.body)` is undefined, not true, when the body is absent (a body Warden
# refused to read: duplicate keys, invalid JSON), and let such a call through unread.
readable_body if is_object(input.command.http.body)

secret_method if {
	c.method in filter_methods
	not readable_body
}

# Log searches are substring and pattern matches: a quoted literal holding the tail of a secret's name and a value
# (`textPayload:"ssword=hun"`, `"_key\": \"sk_"` in JSON text) is the same probe without naming the key whole,
# and a Cloud Logging regular expression (`textPayload=~"p.ssword=h"`) can spell any name. Held too. A literal
# whose name before `=` or `:` is no secret's name nor the end of one (`"status=500"`, `"user_id: 7"`) stays a read.
log_search_methods := {"logs:FilterLogEvents", "logs:StartQuery", "logs:StartLiveTail", "logging.entries.list"}

secret_method if {
	c.method in log_search_methods
	not agent_log_read
	some text in filter_texts
	regex.match(key_tail_in_literal, text)
}

secret_method if {
	c.method == "logging.entries.list"
	not agent_log_read
	some text in filter_texts
	regex.match(`[=!]~`, text)
}

# An agent's Cloud Logging read is judged on what its filter restricts, read by the normalizer into
# c.log_filter.restrictions ({field, operator, value_kind, term}; engine/normalize/cloud/gcp-logging-filter.ts), not
# on the names a literal spells: a guess that names nothing (`"sk_live_Q7"`, `textPayload:"sk_live_Q7"`,
# `jsonPayload.x=~"^sk_"`) answers entries or none, and reads a masked value a character at a time. So an agent's
# filter may restrict only fields that carry no secret values, with plain comparisons or `:`; any free-text term,
# payload or user label, regular expression, unknown function, and anything the normalizer could not read for
# certain is held, naming the term. Humans keep the name-based checks above.
agent_log_read if {
	c.method == "logging.entries.list"
	lib.agent
}

# LogEntry fields set by the platform or the writer's framework, never a log line's content: the log's name, the
# monitored resource, severity, times, ids, trace, operation ids, and the HTTP status and method (not the URL,
# where tokens ride, nor the user agent or referer). Also in the proto's own spelling, which filters accept.
# @see https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
log_filter_safe_fields := {
	"logName", "log_name", "resource.type", "severity", "timestamp", "receiveTimestamp", "receive_timestamp",
	"insertId", "insert_id", "trace", "spanId", "span_id", "traceSampled", "trace_sampled",
	"operation.id", "operation.producer", "operation.first", "operation.last",
	"httpRequest.status", "http_request.status", "httpRequest.requestMethod", "http_request.request_method",
}

# As readable_body: `not is_object(c.log_filter)` is undefined, not true, when the filter is absent.
log_filter_read if is_object(c.log_filter)

log_filter_plain_operators := {"=", "!=", "<", "<=", ">", ">=", ":"}

safe_log_field(field) if log_filter_safe_fields[field]

# The monitored resource's labels (project_id, zone, cluster_name, namespace_name, pod_name …) are the platform's.
safe_log_field(field) if startswith(field, "resource.labels.")

safe_log_restriction(r) if {
	safe_log_field(r.field)
	log_filter_plain_operators[r.operator]
}

safe_log_restriction(r) if {
	r.operator == "log_id()"
	r.field == ""
}

safe_log_restriction(r) if {
	r.operator == "sample()"
	safe_log_field(r.field)
}

unsafe_log_terms := [term |
	some r in object.get(c, ["log_filter", "restrictions"], [])
	not safe_log_restriction(r)
	term := log_term(r)
]

log_term(r) := concat("", ["free text ", r.term]) if r.field == ""

log_term(r) := r.term if r.field != ""

more_terms(0) := ""

more_terms(n) := concat("", [" and ", format_int(n, 10), " more"]) if n > 0

log_filter_rule := "agents may filter log entries only on fields that carry no secret (logName, resource, severity, times, ids, trace, operation, httpRequest.status) with plain comparisons"

findings contains f if {
	cloud_request
	agent_log_read
	count(unsafe_log_terms) > 0
	shown := array.slice(unsafe_log_terms, 0, 3)
	msg := concat("", [what, " filters on ", concat("; ", shown), more_terms(count(unsafe_log_terms) - count(shown)), ": ", log_filter_rule])
	f := finding("sensitive", "log_filter", msg)
}

findings contains f if {
	cloud_request
	agent_log_read
	err := c.log_filter.parse_error
	msg := concat("", [what, " has a filter Warden cannot read for certain (", err, "): ", log_filter_rule])
	f := finding("sensitive", "log_filter", msg)
}

findings contains f if {
	cloud_request
	agent_log_read
	not log_filter_read
	msg := concat("", [what, " has a filter Warden did not read: ", log_filter_rule])
	f := finding("sensitive", "log_filter", msg)
}

# From the start: whole literals and the text between them, then inside a literal, from its start or after a
# character that is no part of a name, a name that ends with a secret's name or is the end of one (`ssword`,
# `_key`), an optional escaped quote, and `=` or `:` (regex.find_n, which would list the literals, is not in
# OPA's WASM target). A name spelt with an escape (`p\u0061ssword`, `pa\163sword`) is no plain field name: held
# whatever it ends with, and so is `=` or `:` written as an escape (`\u003d`, `\x3a`, `\075`).
key_tail_in_literal := concat("", [
	`(?i)^(?:[^"]|"(?:[^"\\]|\\.)*")*"(?:(?:[^"\\]|\\.)*(?:[^A-Za-z0-9_"\\]|\\.))?`,
	`(?:(?:[A-Za-z0-9_]|\\[^"\\ntr])*\\[^"\\ntr](?:[A-Za-z0-9_]|\\[^"\\ntr])*|[A-Za-z0-9_]*(?:private_key|passphrase|credential|access_key|privatekey|accesskey|password|auth_key|api_key|authkey|passwd|secret|apikey|token|pass|pwd)|(?:private_key|access_key|credential|passphrase|privatekey|rivate_key|accesskey|assphrase|ccess_key|ivate_key|redential|rivatekey|auth_key|ccesskey|cess_key|edential|ivatekey|password|ssphrase|vate_key|api_key|assword|ate_key|authkey|cesskey|dential|ess_key|sphrase|uth_key|vatekey|apikey|atekey|ential|esskey|passwd|phrase|pi_key|secret|ss_key|ssword|te_key|th_key|uthkey|asswd|e_key|ecret|h_key|hrase|i_key|ntial|pikey|s_key|sskey|sword|tekey|thkey|token|_key|cret|ekey|hkey|ikey|oken|pass|rase|skey|sswd|tial|word|ase|ass|ial|ken|key|ord|pwd|ret|swd|al|en|et|ey|rd|se|ss|wd|d|e|l|n|s|t|y))`,
	`(?:\\")?\s*(?:[=:]|\\(?:u\{?0*|U0*|x\{?0*)3[ad]\}?|\\0*7[25])`,
])

expression_fields := {
	"FilterExpression", "KeyConditionExpression", "ConditionExpression", "UpdateExpression", "Statement",
	"filterPattern", "queryString", "logEventFilterPattern", "filter",
}

legacy_filter_fields := {"ScanFilter", "QueryFilter", "KeyConditions", "Expected"}

filter_texts contains v if {
	walk(form_body, [path, v])
	count(path) > 0
	expression_fields[path[count(path) - 1]]
}

# Google's front end reads request fields from the query string too (`entries:list?filter=…`).
filter_texts contains v if {
	some name, values in object.get(input.command, ["http", "query"], {})
	expression_fields[name]
	some v in as_list(values)
}

filter_texts contains v if {
	walk(form_body, [path, v])
	count(path) > 1
	path[count(path) - 2] == "ExpressionAttributeNames"
}

filter_texts contains name if {
	walk(form_body, [path, v])
	count(path) > 1
	legacy_filter_fields[path[count(path) - 2]]
	name := path[count(path) - 1]
	is_object(v)
}

instance_attributes contains v if {
	some source in [object.get(input.command, ["http", "query"], {}), form_body]
	some name, values in source
	lower(name) == "attribute"
	some v in as_list(values)
}

form_body := b if {
	b := input.command.http.body
	is_object(b)
} else := {}

as_list(v) := v if is_array(v)

as_list(v) := [v] if not is_array(v)

# Resource policies outside IAM: PutBucketPolicy, PutBucketAcl, AddPermission, CreateGrant, setIamPolicy …
policy_operation(op) if regex.match(policy_operation_pattern, op)

policy_operation_pattern := concat("", [
	`(?i)^(put|attach|detach|delete|create|update|set|add|remove|revoke|replace)`,
	`[a-z]*(policy|policies|permission|permissions|acl|grant)$`,
])

privileged if {
	catalog.identity_services[c.service]
	not c.read_only == true
}

privileged if {
	not c.read_only == true
	policy_operation(c.operation)
}

privileged if {
	not c.read_only == true
	contains(lower(c.method), "setiampolicy")
}

# Access granted by a write's headers, query or body rather than its operation (S3 PutObject, CopyObject or
# CreateMultipartUpload with x-amz-grant-* or a canned ACL beyond the bucket owner; a Cloud Storage write with
# predefinedAcl, predefinedDefaultObjectAcl or a copy's destinationPredefinedAcl beyond private, or an access
# list in its body): a resource policy change riding on an upload or a metadata update.
privileged if {
	not c.read_only == true
	grants_access
}

# Canned ACLs that grant no one beyond the owner and the bucket owner (S3), or the project (Cloud Storage's
# JSON names, and its XML API's x-goog-acl names).
owner_only_acls := {
	"private", "bucket-owner-read", "bucket-owner-full-control", "project-private",
	"projectPrivate", "bucketOwnerRead", "bucketOwnerFullControl",
}

grants_access if {
	some name, _ in input.command.http.headers
	startswith(lower(name), "x-amz-grant-")
}

grants_access if {
	some name, value in input.command.http.headers
	lower(name) in {"x-amz-acl", "x-goog-acl"}
	not owner_only_acls[trim_space(value)]
}

grants_access if {
	some name in ["predefinedAcl", "predefinedDefaultObjectAcl", "destinationPredefinedAcl"]
	some value in input.command.http.query[name]
	not owner_only_acls[value]
}

# A browser form upload (S3 POST Object, the Cloud Storage XML API's POST) carries its ACL and policy in form
# fields Warden does not read (fake-gcs-server made an object public from an `acl` field): an ACL write, unseen.
grants_access if {
	some name, value in input.command.http.headers
	lower(name) == "content-type"
	startswith(lower(trim_space(value)), "multipart/form-data")
}

# A Cloud Storage write whose JSON body sets an access list (an object or bucket insert, patch or update with
# `acl` or `defaultObjectAcl`) or bucket-wide access settings (`iamConfiguration`) changes who may read, as the
# /acl and /iam routes do; and the emulator's resumable upload reads a `predefinedAcl` there too. Names in any
# case: Go's JSON decoding (fake-gcs-server) matches them so.
acl_body_fields := {"acl", "defaultobjectacl", "iamconfiguration"}

grants_access if {
	c.provider == "gcp"
	some name, _ in input.command.http.body
	acl_body_fields[lower(name)]
}

grants_access if {
	c.provider == "gcp"
	some name, value in input.command.http.body
	lower(name) in {"predefinedacl", "predefineddefaultobjectacl"}
	not owner_only_acls[value]
}

# A change that sets the password of something that exists (a database's master user, a Cloud SQL user, a Cognito
# user, a broker user, a cache's auth token) gives the agent a credential it chose, valid outside the gateway: as
# minting one, it is sensitive (held in staging too), and named so for the reviewer. Creating something new with a
# password is an ordinary create.
password_fields := {"masteruserpassword", "password", "newpassword", "authtoken"}

changes_existing if regex.match(`^(Modify|Update|Reset|Set|AdminSet|AdminReset|Change|Rotate)`, c.operation)

changes_existing if {
	c.provider == "gcp"
	c.operation in {"update", "patch", "setMasterAuth"}
}

sets_password if {
	not c.read_only == true
	changes_existing
	some name in parameter_names
	password_fields[lower(name)]
}

# A query-protocol call takes its parameters from the query as well as the form body (moto reads the query when
# the body holds none): ModifyDBInstance?MasterUserPassword=… with no body set the password too.
parameter_names contains name if {
	walk(form_body, [path, _])
	some name in path
	is_string(name)
}

parameter_names contains name if some name, _ in object.get(input.command, ["http", "query"], {})

findings contains f if {
	cloud_request
	sets_password
	msg := concat("", [what, " sets a password: a credential the agent chose, valid outside the gateway"])
	f := finding("sensitive", "credential", msg)
}

# S3's ETag of a plain upload is the MD5 of the object: a write conditional on it (If-Match, If-None-Match naming an
# ETag, a copy's x-amz-copy-source-if-match) answers 200 or 412 by whether a guess is the stored text the content
# masks hide, and with the guess as its body a right guess changes nothing. Held, as Kubernetes writes that answer
# whether a guess equals a masked value are; `*` names no ETag (If-None-Match: *, do not overwrite) and passes.
etag_conditions := {"if-match", "if-none-match", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match"}

findings contains f if {
	cloud_request
	c.provider == "aws"
	c.service == "s3"
	not c.read_only == true
	lib.content_masking
	some name, value in input.command.http.headers
	etag_conditions[lower(name)]
	trim_space(value) != "*"
	msg := concat("", [what, " is conditional on the stored object's ETag (", lower(name), "), the MD5 of text the masks hide"])
	f := finding("sensitive", "secret_oracle", msg)
}

# Secrets Manager answers a write naming a version (ClientRequestToken, which the aws CLI always sends) by whether its
# value equals that version's: PutSecretValue, UpdateSecret or CreateSecret with an existing version's id and a
# guessed SecretString succeeds, changing nothing, for the right guess and fails (ResourceExistsException) for a wrong
# one. Held under content masking: an oracle on a value whose read (GetSecretValue) is held.
secret_value_writes := {"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:CreateSecret"}

findings contains f if {
	cloud_request
	lib.content_masking
	secret_value_writes[c.method]
	some value_name in parameter_names
	lower(value_name) in {"secretstring", "secretbinary"}
	some token_name in parameter_names
	lower(token_name) == "clientrequesttoken"
	msg := concat("", [what, " names a version (ClientRequestToken) with a value: its answer says whether the value equals the stored one"])
	f := finding("sensitive", "secret_oracle", msg)
}

destructive_verb(op) if {
	some prefix in ["delete", "terminate", "purge", "destroy"]
	startswith(lower(op), prefix)
}

create_verb(op) if {
	some prefix in ["create", "insert", "put", "run", "deploy", "publish", "import", "upload"]
	startswith(lower(op), prefix)
}

creates if create_verb(c.operation)

destroys if destructive_verb(c.operation)

finding(class, topic, message) := {
	"class": class,
	"rule": concat(".", ["warden.rules.cloud", topic]),
	"message": message,
}

what := concat("", [lib.text(c, "provider"), " ", lib.text(c, "method"), resource_part])

resource_part := concat("", [" on ", c.resource]) if {
	is_string(c.resource)
	c.resource != ""
} else := ""

findings contains f if {
	cloud_request
	secret_method
	msg := concat("", [what, " reads a secret or mints a credential"])
	f := finding("sensitive", "secret", msg)
}

findings contains f if {
	cloud_request
	privileged
	msg := concat("", [what, " changes IAM or a resource policy"])
	f := finding("privilege", "iam", msg)
}

findings contains f if {
	cloud_request
	not c.read_only == true
	destroys
	msg := concat("", [what, " deletes cloud resources"])
	f := finding("destructive", "delete", msg)
}

findings contains f if {
	cloud_request
	not c.read_only == true
	not privileged
	creates
	msg := concat("", [what, " creates or deploys cloud resources"])
	f := finding("change", "create", msg)
}

findings contains f if {
	cloud_request
	not c.read_only == true
	not privileged
	not creates
	not destroys
	msg := concat("", [what, " is not a read-only call"])
	f := finding("change", "write", msg)
}

# A write whose body Warden could not parse (invalid JSON or YAML, not UTF-8, nested too deep) is held: servers
# read such bodies anyway, or part of them (Go's json.Decoder takes the first value and leaves what trails it, and
# fake-gcs-server applied an acl Warden never saw). A body of a type Warden does not inspect (S3's XML) and an
# object upload streamed unread are no parse failures.
findings contains f if {
	cloud_request
	not c.read_only == true
	err := input.command.http.body_error
	not startswith(err, "unsupported content type")
	not startswith(err, "body not read")
	msg := concat("", [what, " has a body Warden cannot read (", err, ")"])
	f := finding("sensitive", "unread_body", msg)
}

# A call the normalizer could not name (an API or a path it does not know, or one two parsers would read two
# ways) is held for a reviewer, also outside production: what it does is unknown, so it is not let through as an
# ordinary change (the emulator's POST /_internal/delete_all was judged an upload and wiped every object).
findings contains f if {
	cloud_request
	c.method == "unknown"
	msg := concat("", [what, " is a call Warden cannot name"])
	f := finding("sensitive", "unknown", msg)
}

mask contains {"detector": d, "rule": "warden.rules.cloud.content"} if {
	cloud_request
	lib.content_masking
	some d in settings.current.content_detectors
}

# Reads that answer with secrets beside ordinary fields (a function's environment variables, a task definition's
# container environment, a GKE cluster's client key, an instance's metadata with its startup script): the values
# at these paths are masked whole; a JSON answer is required (another one is withheld by the gateway).
mask contains {"path": p, "strategy": "redact", "rule": "warden.rules.cloud.answer_secrets"} if {
	cloud_request
	lib.content_masking
	some p in catalog.answer_secret_paths[c.method]
}

# Every finding needs a cloud request: other requests skip them.
deny contains r if {
	cloud_request
	some r in lib.reasons_for(findings, "deny")
}

approve contains r if {
	cloud_request
	some r in lib.reasons_for(findings, "approve")
}

info contains r if {
	cloud_request
	some r in lib.reasons_for(findings, "allow")
}
