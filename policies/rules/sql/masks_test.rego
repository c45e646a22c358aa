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

column_masks(d) := {m.column: m.strategy | some m in d.obligations.mask; m.column; not contains(m.column, "*")}

test_each_sensitive_column_gets_its_own_patterns if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["email", "card_token", "id"])])
	column_masks(d) == {"email": "partial", "card_token": "redact"}
	d.reasons == [
		{"rule": "warden.rules.sql.pii", "message": "column card_token looks sensitive (*card*, *token*); its values are masked"},
		{"rule": "warden.rules.sql.pii", "message": "column email looks sensitive (*email*); its values are masked"},
	]
}

test_column_names_are_matched_case_insensitively if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["User_EMAIL"])])
	column_masks(d) == {"user_email": "partial"}
}

# `*` does not cross the "." delimiter: a dotted (quoted) name is matched by glob.match, not by substring.
test_dotted_column_names_follow_glob_rules if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["a.email", "phone"])])
	column_masks(d) == {"phone": "partial"}
	e := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["a.email"])])
		with data.settings as {"sensitive_columns": [{"pattern": "*.email", "strategy": "hash"}]}
	column_masks(e) == {"a.email": "hash"}
}

test_a_newline_in_a_column_name_is_matched if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["x\nsecret"])])
	column_masks(d) == {"x\nsecret": "redact"}
}

test_configured_patterns_of_every_shape if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["iban", "user_id", "user7", "xa?by", "bank", "plain", "apikey"])])
		with data.settings as {"sensitive_columns": [
			{"pattern": "IBAN", "strategy": "hash"},
			{"pattern": "*_id", "strategy": "null"},
			{"pattern": "user?", "strategy": "partial"},
			{"pattern": "*a\\?b*", "strategy": "redact"},
			{"pattern": "{bank,vault}", "strategy": "hash"},
			{"pattern": "*KEY*"},
			{"strategy": "hash"},
		]}
	{m.column: m.strategy | some m in d.obligations.mask; m.column} == {
		"IBAN": "hash", "*_id": "null", "user?": "partial", "*a\\?b*": "redact", "{bank,vault}": "hash", "*KEY*": "redact",
		"iban": "hash", "user_id": "null", "user7": "partial", "xa?by": "redact", "bank": "hash", "apikey": "redact",
	}
}

test_an_invalid_pattern_matches_nothing if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["email"])])
		with data.settings as {"sensitive_columns": [{"pattern": "[email", "strategy": "hash"}]}
	{m.column | some m in d.obligations.mask; m.column} == {"[email"}
	d.reasons == []
}

test_shipped_patterns_are_precomputed_correctly if {
	{p | some p in data.warden.catalog.sql.default_sensitive_patterns} == {p |
		some p in data.warden.rules.sql.patterns_of(data.warden.settings.defaults.sensitive_columns)
	}
}

test_shipped_pattern_masks_are_precomputed_correctly if {
	{m | some m in data.warden.catalog.sql.default_pattern_masks} == {m |
		some p in data.warden.rules.sql.patterns_of(data.warden.settings.defaults.sensitive_columns)
		m := {"column": p.pattern, "strategy": p.strategy, "rule": "warden.rules.sql.pii"}
	}
}

test_shipped_patterns_are_all_infix_ones if {
	every p in data.warden.catalog.sql.default_sensitive_patterns {
		p.infix != ""
	}
}

test_configured_patterns_replace_the_shipped_ones_whatever_they_hold if {
	every configured in [false, null, [], [{"pattern": "*mail*"}]] {
		d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_columns(["email"])])
			with data.settings as {"sensitive_columns": configured}
		not "*email*" in {m.column | some m in d.obligations.mask}
	}
}

test_infix_literals if {
	data.warden.rules.sql.infix("*email*") == "email"
	data.warden.rules.sql.infix("*e.mail*") == "e.mail"
	every g in ["email", "*email", "email*", "*", "**", "*e?mail*", "*e[m]ail*", "*{a,b}*", "*a\\*b*"] {
		data.warden.rules.sql.infix(g) == ""
	}
}
