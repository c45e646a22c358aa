package warden.sources_test

import data.warden.inputs_test as t

staging_aws := {"name": "staging-aws", "kind": "aws", "environment": "staging", "labels": {}}

source(bucket) := {"resource": concat("", ["arn:aws:s3:::", bucket, "/secret.csv"]), "bucket": bucket, "object": "secret.csv"}

copy(identity, target, sources) := t.cloud(identity, target, {
	"service": "s3", "method": "s3:CopyObject", "operation": "CopyObject",
	"resource": "arn:aws:s3:::drop/copy.csv", "sources": sources,
})

rules(d) := {r.rule | some r in d.reasons}

test_a_copy_whose_source_read_is_masked_is_refused if {
	d := data.warden.decision with input as copy(t.agent, t.prod_aws, [source("vault")])
	d.effect == "deny"
	some r in d.reasons
	r.rule == "warden.sources.masked"
	contains(r.message, "arn:aws:s3:::vault/secret.csv")
}

test_a_copy_whose_source_read_is_denied_is_denied if {
	d := data.warden.decision with input as copy(t.human, staging_aws, [source("vault"), source("forbidden-vault")])
	d.effect == "deny"
	some r in d.reasons
	r.rule == "warden.rules.source_reads_fixture"
	startswith(r.message, "the request reads arn:aws:s3:::forbidden-vault/secret.csv, a read denied: objects in forbidden-vault")
}

test_a_copy_whose_source_read_needs_approval_is_refused if {
	d := data.warden.decision with input as copy(t.human, staging_aws, [source("held-vault")])
	d.effect == "deny"
	some r in d.reasons
	contains(r.message, "a read that needs approval: objects in held-vault are read with approval")
}

test_a_grant_covering_the_read_lets_the_copy_through if {
	grant := {"scope": "target", "expires_at_ns": 9000000000000000000, "approvals": 1, "approver_groups": ["dba"], "id": "g1"}
	doc := json.patch(copy(t.human, staging_aws, [source("held-vault")]), [{"op": "replace", "path": "/session/grants", "value": [grant]}])
	d := data.warden.decision with input as doc
	d.effect == "allow"
}

test_a_copy_whose_source_read_is_clean_is_judged_as_the_write if {
	d := data.warden.decision with input as copy(t.human, staging_aws, [source("vault")])
	d.effect == "allow"
	not rules(d)["warden.sources.masked"]
}

test_the_write_alone_is_not_refused_for_its_own_bucket if {
	# The same write without a source: the fixture's read rules never see the write itself.
	d := data.warden.decision with input as copy(t.human, staging_aws, [])
	d.effect == "allow"
}

test_a_source_not_named_for_certain_refuses_even_break_glass if {
	doc := t.cloud(t.break_glass, t.prod_aws, {
		"service": "s3", "method": "s3:CopyObject", "operation": "CopyObject",
		"resource": "arn:aws:s3:::drop/copy.csv", "source_error": "x-amz-copy-source names an access point",
	})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	rules(d) == {"warden.sources.unread"}
}

test_the_read_is_judged_without_the_writes_headers if {
	doc := json.patch(copy(t.human, staging_aws, [source("vault")]), [{"op": "add", "path": "/command/http", "value": {
		"method": "PUT", "scheme": "https", "host": "s3.amazonaws.com", "path": "/drop/copy.csv", "query": {},
		"headers": {"x-amz-acl": "public-read"},
	}}])
	d := data.warden.decision with input as doc
	d.effect == "approve"
	rules(d) == {"warden.rules.cloud.iam"}
}

test_a_source_the_read_cannot_be_built_for_is_refused if {
	every src in [{"resource": "arn:aws:s3:::vault/a", "bucket": "vault"}, {"resource": 1, "bucket": "vault", "object": "a"}] {
		d := data.warden.decision with input as copy(t.break_glass, t.prod_aws, [src])
		d.effect == "deny"
		rules(d) == {"warden.sources.unread"}
	}
}
