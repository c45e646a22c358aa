package warden.sql_test

import data.warden.inputs_test as t

select_columns(names) := t.stmt("select", {"read_only": true, "columns": [t.column(n) | some n in names]})

masks_of(d) := {m | some m in d.obligations.mask}

test_production_reads_get_column_and_content_masks if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["id", "Email", "*"])])
	masks := masks_of(d)
	{"column": "*email*", "strategy": "partial", "rule": "warden.rules.sql.pii"} in masks
	{"column": "*password*", "strategy": "redact", "rule": "warden.rules.sql.pii"} in masks
	{"column": "email", "strategy": "partial", "rule": "warden.rules.sql.pii"} in masks
	{"detector": "all", "rule": "warden.rules.sql.content"} in masks
	count(masks) == 10
}

test_referenced_sensitive_columns_are_noted if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["email", "id"])])
	d.effect == "allow"
	d.reasons == [{"rule": "warden.rules.sql.pii", "message": "column email looks sensitive (*email*); its values are masked"}]
}

test_strictest_strategy_wins_for_a_column if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["email_token"])])
	masks := masks_of(d)
	{"column": "email_token", "strategy": "redact", "rule": "warden.rules.sql.pii"} in masks
	not {"column": "email_token", "strategy": "partial", "rule": "warden.rules.sql.pii"} in masks
}

test_plain_humans_are_masked_in_production if {
	d := data.warden.decision with input as t.sql(t.human, t.prod_db, [select_columns(["phone"])])
	masks := masks_of(d)
	{"column": "phone", "strategy": "partial", "rule": "warden.rules.sql.pii"} in masks
}

test_break_glass_is_not_masked if {
	d := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [select_columns(["email"])])
	masks_of(d) == set()
}

test_staging_agents_get_content_detectors_only if {
	d := data.warden.decision with input as t.sql(t.agent, t.staging_db, [select_columns(["email"])])
	masks_of(d) == {{"detector": "all", "rule": "warden.rules.sql.content"}}
	e := data.warden.decision with input as t.sql(t.human, t.staging_db, [select_columns(["email"])])
	masks_of(e) == set()
}

test_masks_follow_settings if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["iban"])]) with data.settings as {
		"sensitive_columns": [{"pattern": "iban", "strategy": "scramble"}, {"pattern": ""}],
		"content_detectors": ["email", "iban"],
	}
	{m | some m in d.obligations.mask} == {
		{"column": "iban", "strategy": "redact", "rule": "warden.rules.sql.pii"},
		{"detector": "email", "rule": "warden.rules.sql.content"},
		{"detector": "iban", "rule": "warden.rules.sql.content"},
	}
}
