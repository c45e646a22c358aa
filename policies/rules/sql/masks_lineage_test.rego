package warden.sql_test

import data.warden.inputs_test as t

output(name, lineage, fields) := object.union({"name": name, "lineage": lineage, "sources": []}, fields)

select_outputs(outputs) := t.stmt("select", {"read_only": true, "outputs": outputs})

lineage_reasons(d) := [r.message | some r in d.reasons; r.rule == "warden.rules.sql.lineage"]

test_unknown_output_is_denied_under_column_masking if {
	o := output("a", "unknown", {"reason": "relation nope is not in the catalog"})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([o])])
	d.effect == "deny"
	lineage_reasons(d) == ["statement 1 (select): result column a comes from a source Warden cannot trace (relation nope is not in the catalog), so its values cannot be masked; select the table's columns directly"]
}

test_unknown_output_without_reason_still_denied if {
	d := data.warden.decision with input as t.sql(t.human, t.prod_db, [select_outputs([output("*", "unknown", {"star": true})])])
	d.effect == "deny"
	contains(lineage_reasons(d)[0], "cannot trace (?)")
}

test_unknown_output_allowed_where_columns_are_not_masked if {
	o := output("a", "unknown", {"reason": "r"})
	d1 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [select_outputs([o])])
	d1.effect == "allow"
	d2 := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [select_outputs([o])])
	lineage_reasons(d2) == []
	quoted := output("x", "derived", {"functions": ["Reverse"]})
	d3 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([quoted])])
	count(lineage_reasons(d3)) == 1
}

test_output_through_unknown_function_is_denied if {
	src := {"table": "public.users", "column": "email"}
	o := output("touch", "derived", {"sources": [src], "functions": ["touch"]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([o])])
	d.effect == "deny"
	lineage_reasons(d) == ["statement 1 (select): result column touch passes through touch, which is not known to compute only from its arguments, so its values cannot be masked; select the table's columns directly or use built-in functions"]
}

test_qualified_user_function_is_denied_but_pg_catalog_is_not if {
	bad := output("x", "derived", {"functions": ["public.lower"]})
	d1 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([bad])])
	count(lineage_reasons(d1)) == 1
	good := output("x", "derived", {"functions": ["pg_catalog.lower", "reverse", "nextval"]})
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([good])])
	lineage_reasons(d2) == []
}

test_configured_safe_functions_pass_lineage if {
	o := output("x", "derived", {"functions": ["refresh_cache"]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs([o])])
		with data.settings as {"extra_safe_functions": ["Refresh_Cache"]}
	lineage_reasons(d) == []
}

test_plain_derived_and_safe_outputs_pass if {
	src := {"table": "users", "column": "email"}
	outputs := [
		output("email", "plain", {"sources": [src]}),
		output("lower", "derived", {"sources": [src], "functions": ["lower"]}),
		output("count", "derived", {"sources": [src], "safe": true, "functions": ["count"]}),
	]
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_outputs(outputs)])
	lineage_reasons(d) == []
}

test_non_string_function_names_are_not_value_functions if {
	not value_function_ok(7)
	value_function_ok("a.b.lower") == false
}

value_function_ok(name) if {
	data.warden.rules.sql.value_function(name)
} else := false

test_fetch_from_an_earlier_cursor_is_judged_at_its_declare if {
	o := output("*", "unknown", {"star": true, "reason": "cursor c was declared in an earlier command"})
	earlier := t.stmt("fetch", {"read_only": true, "outputs": [o], "detail": {"cursor_declared": false}})
	d1 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [earlier])
	lineage_reasons(d1) == []
	here := t.stmt("fetch", {"read_only": true, "outputs": [o], "detail": {"cursor_declared": true}})
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [here])
	count(lineage_reasons(d2)) == 1
}

test_rows_matched_against_an_unknown_function_are_denied if {
	s := t.stmt("select", {"read_only": true, "detail": {"matched_calls": ["ascii", "first_code", "pg_catalog.substr"]}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s])
	d.effect == "deny"
	lineage_reasons(d) == ["statement 1 (select): the statement matches rows it makes against first_code, or counts rows by it, which is not known to compute only from its arguments: it may return masked values the rows that come back would carry out unmasked"]
	d2 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [s])
	lineage_reasons(d2) == []
}

explain_of(call) := [
	t.stmt("explain", {"read_only": true}),
	object.union(t.stmt("select", {"read_only": true, "functions": [call]}), {"nested": {"via": "explain", "parent_index": 0}}),
]

test_explain_of_a_call_outside_the_safe_list_is_denied_under_column_masking if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, explain_of(t.func("leak")))
	d.effect == "deny"
	some m in lineage_reasons(d)
	startswith(m, "statement 1 (explain): explains a call of leak,")
}

test_explain_of_a_call_on_the_explain_itself_is_denied if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("explain", {"read_only": true, "functions": [t.func("leak")]})])
	some m in lineage_reasons(d)
	startswith(m, "statement 1 (explain): explains a call of leak,")
}

test_explain_of_a_call_nested_deeper_is_denied if {
	stmts := array.concat(explain_of(t.func("upper")), [object.union(
		t.stmt("select", {"read_only": true, "functions": [t.qualified_func("public", "leak")]}),
		{"nested": {"via": "subquery", "parent_index": 1}},
	)])
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, stmts)
	some m in lineage_reasons(d)
	contains(m, "explains a call of public.leak")
}

test_explain_of_built_ins_or_without_column_masks_is_not_denied_for_it if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, explain_of(t.func("upper")))
	not_explain_reason(d)
	d2 := data.warden.decision with input as t.sql(t.agent, t.staging_db, explain_of(t.func("leak")))
	not_explain_reason(d2)
}

not_explain_reason(d) if {
	every m in lineage_reasons(d) {
		not contains(m, "explains a call")
	}
}
