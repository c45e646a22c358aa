package warden.mask_writes_test

import data.warden.inputs_test as t

marked_k8s_patch(identity) := object.union(t.kubernetes(identity, t.prod_k8s, {"verb": "patch", "resource": "deployments", "name": "api"}), {"command": {"http": {
	"method": "PATCH",
	"carries_mask_output": true,
}}})

test_kubernetes_patch_carrying_mask_output_is_denied_to_those_whose_answers_are_masked if {
	every who in [t.agent, t.human] {
		d := data.warden.decision with input as marked_k8s_patch(who)
		d.effect == "deny"
		some r in d.reasons
		r.rule == "warden.rules.mask_writes.body"
		contains(r.message, "PATCH k8s/ writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask")
	}
}

# Break-glass humans and humans outside production read values whole: the text may be meant (`[token]` in a usage
# string), or copied from an agent's masked output. A reviewer decides.
test_kubernetes_patch_carrying_mask_output_is_held_for_those_who_read_values_whole if {
	d := data.warden.decision with input as marked_k8s_patch(t.break_glass)
	d.effect == "approve"
	"warden.rules.mask_writes.body" in {r.rule | some r in d.reasons}
	staging := object.union(t.kubernetes(t.human, t.staging_k8s, {"verb": "patch", "resource": "deployments", "name": "api"}), {"command": {"http": {
		"method": "PATCH",
		"carries_mask_output": true,
	}}})
	e := data.warden.decision with input as staging
	e.effect == "approve"
	"warden.rules.mask_writes.body" in {r.rule | some r in e.reasons}
}

test_read_carrying_mask_output_is_not_denied_by_this_rule if {
	get := object.union(t.kubernetes(t.agent, t.prod_k8s, {}), {"command": {"http": {"carries_mask_output": true}}})
	d := data.warden.decision with input as get
	d.effect == "allow"
	cloud_read := object.union(t.cloud(t.agent, t.prod_aws, {"read_only": true}), {"command": {"http": {
		"method": "POST", "scheme": "https", "host": "ssm", "path": "/", "query": {}, "headers": {}, "carries_mask_output": true,
	}}})
	e := data.warden.decision with input as cloud_read
	not "warden.rules.mask_writes.body" in {r.rule | some r in e.reasons}
}

test_cloud_write_carrying_mask_output_is_denied if {
	doc := object.union(t.cloud(t.agent, t.prod_aws, {"service": "ssm", "method": "ssm:PutParameter"}), {"command": {"http": {
		"method": "POST", "scheme": "https", "host": "ssm", "path": "/", "query": {}, "headers": {}, "carries_mask_output": true,
	}}})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	"warden.rules.mask_writes.body" in {r.rule | some r in d.reasons}
}

test_sql_write_carrying_mask_output_is_denied if {
	update := t.stmt("update", {"has_where": true, "carries_mask_output": true, "tables": [t.table("customers", "write")]})
	d := data.warden.decision with input as t.sql(t.human, t.prod_db, [t.read("select"), update])
	d.effect == "deny"
	some r in d.reasons
	r.rule == "warden.rules.mask_writes.sql"
	startswith(r.message, "statement 2 (update) writes a value Warden masked in an earlier answer")
}

test_unmarked_writes_are_not_denied_by_this_rule if {
	update := t.stmt("update", {"has_where": true, "tables": [t.table("customers", "write")]})
	d := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [update])
	not "warden.rules.mask_writes.sql" in {r.rule | some r in d.reasons}
	e := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_k8s, {"verb": "patch"})
	not "warden.rules.mask_writes.body" in {r.rule | some r in e.reasons}
}

# A read that calls a function not known to be safe may write what it is given.
test_read_calling_an_unknown_function_with_mask_output_is_denied if {
	every fn in [t.func("set_email"), {"schema": "app", "name": "lower", "full_name": "app.lower"}] {
		call := t.stmt("select", {"read_only": true, "carries_mask_output": true, "functions": [fn]})
		d := data.warden.decision with input as t.sql(t.agent, t.staging_db, [call])
		d.effect == "deny"
		"warden.rules.mask_writes.sql" in {r.rule | some r in d.reasons}
	}
}

test_read_calling_only_known_safe_functions_with_mask_output_is_not_denied_by_this_rule if {
	call := t.stmt("select", {"read_only": true, "carries_mask_output": true, "functions": [t.func("lower"), t.func("pg_notify")]})
	d := data.warden.decision with input as t.sql(t.agent, t.staging_db, [call])
	not "warden.rules.mask_writes.sql" in {r.rule | some r in d.reasons}
}
