package warden.lib_test

import data.warden.inputs_test as t
import data.warden.lib

test_columns if {
	every row in [
		[t.agent, t.prod_db, "agent_production"],
		[t.agent, t.staging_db, "agent_other"],
		[t.human, t.prod_db, "human_production"],
		[t.human, t.staging_db, "human_other"],
		[t.break_glass, t.prod_db, "break_glass"],
		[t.break_glass, t.staging_db, "break_glass"],
	] {
		c := lib.column with input as t.sql(row[0], row[1], [])
		c == row[2]
	}
}

test_agents_never_get_break_glass if {
	agent := object.union(t.agent, {"groups": ["agents", "breakglass"]})
	c := lib.column with input as t.sql(agent, t.prod_db, [])
	c == "agent_production"
}

test_production_is_case_insensitive_and_configurable if {
	p := lib.column with input as t.sql(t.agent, object.union(t.prod_db, {"environment": "PROD"}), [])
	p == "agent_production"
	c := lib.column with input as t.sql(t.agent, t.staging_db, [])
		with data.settings as {"production_environments": ["staging"]}
	c == "agent_production"
}

test_break_glass_groups_are_configurable if {
	c := lib.column with input as t.sql(t.human, t.prod_db, [])
		with data.settings as {"break_glass_groups": ["eng"]}
	c == "break_glass"
}

test_unknown_kind_has_no_column_and_denies if {
	doc := t.sql(object.union(t.agent, {"kind": "robot"}), t.prod_db, [])
	not lib.column with input as doc
	v := lib.verdict("change") with input as doc
	v == "deny"
}

test_verdicts_follow_the_table if {
	v := lib.verdict("change") with input as t.sql(t.agent, t.prod_db, [])
	v == "approve"
	w := lib.verdict("change") with input as t.sql(t.agent, t.staging_db, [])
	w == "allow"
	x := lib.verdict("critical") with input as t.sql(t.break_glass, t.prod_db, [])
	x == "approve"
}

test_unknown_class_denies if {
	v := lib.verdict("no-such-class") with input as t.sql(t.break_glass, t.prod_db, [])
	v == "deny"
}

test_verdicts_can_be_overridden_per_cell if {
	v := lib.verdict("destructive") with input as t.sql(t.agent, t.staging_db, [])
		with data.settings as {"verdicts": {"destructive": {"agent_other": "deny"}}}
	v == "deny"
	w := lib.verdict("destructive") with input as t.sql(t.human, t.staging_db, [])
		with data.settings as {"verdicts": {"destructive": {"agent_other": "deny"}}}
	w == "approve"
}

test_invalid_verdict_value_denies if {
	v := lib.verdict("change") with input as t.sql(t.agent, t.staging_db, [])
		with data.settings as {"verdicts": {"change": {"agent_other": "maybe"}}}
	v == "deny"
}

test_masking_scope if {
	lib.column_masking with input as t.sql(t.agent, t.prod_db, [])
	lib.column_masking with input as t.sql(t.human, t.prod_db, [])
	not lib.column_masking with input as t.sql(t.break_glass, t.prod_db, [])
	not lib.column_masking with input as t.sql(t.agent, t.staging_db, [])
	lib.content_masking with input as t.sql(t.agent, t.staging_db, [])
	lib.content_masking with input as t.sql(t.human, t.prod_db, [])
	not lib.content_masking with input as t.sql(t.human, t.staging_db, [])
	not lib.content_masking with input as t.sql(t.break_glass, t.prod_db, [])
}

test_reason_messages_name_audience_and_target if {
	findings := {{"class": "change", "rule": "r", "message": "m"}}
	a := lib.reasons_for(findings, "approve") with input as t.sql(t.agent, t.prod_db, [])
	a == {{"rule": "r", "message": "m; needs approval for agents on production target prod-db"}}
	b := lib.reasons_for(findings, "allow") with input as t.sql(t.break_glass, t.staging_db, [])
	b == {{"rule": "r", "message": "m; allowed for break-glass humans on staging target staging-db"}}
	c := lib.reasons_for(findings, "approve") with input as t.sql(t.human, t.prod_db, [])
	c == {{"rule": "r", "message": "m; needs approval for humans on production target prod-db"}}
}

test_reason_messages_without_identity_or_environment if {
	findings := {{"class": "invalid", "rule": "r", "message": "m"}}
	doc := json.remove(t.sql(object.union(t.agent, {"kind": "robot"}), t.prod_db, []), ["target/environment"])
	d := lib.reasons_for(findings, "deny") with input as doc
	d == {{"rule": "r", "message": "m; denied for unidentified callers on an unidentified target"}}
}
