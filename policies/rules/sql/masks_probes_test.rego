package warden.sql_test

import data.warden.inputs_test as t

probe_reasons(d) := [r.message | some r in d.reasons; r.rule == "warden.rules.sql.probe"]

select_with(fields) := t.stmt("select", object.union({"read_only": true}, fields))

password := {"table": "public.credentials", "column": "password"}

email := {"table": "public.users", "column": "email"}

test_a_secret_filtered_other_than_by_a_given_value_is_denied if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [password]})])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): column password is masked whole; a statement may compare it only for equality with a value it gives (=, IN, IS NULL): LIKE, ranges, functions of it, joins, ORDER BY or GROUP BY on it would reveal its value a bit at a time"]
}

test_a_secret_looked_up_by_a_given_value_is_allowed if {
	lookup := object.union(password, {"lookup": true})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [lookup]})])
	probe_reasons(d) == []
}

test_a_value_computed_from_a_secret_is_denied if {
	o := {"name": "x", "lineage": "derived", "sources": [password], "computed": true, "functions": ["ascii"]}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"outputs": [o]})])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): result column x is computed from column password, which is masked whole: the result would come back redacted, and the statement's errors or timing could reveal the value; select the column itself (it comes back masked) or count it"]
}

test_stored_values_and_safe_derivations_of_a_secret_are_allowed if {
	carried := {"name": "k", "lineage": "derived", "sources": [password]}
	counted := {"name": "n", "lineage": "derived", "sources": [password], "computed": true, "safe": true}
	bare := {"name": "password", "lineage": "plain", "sources": [password]}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"outputs": [carried, counted, bare]})])
	probe_reasons(d) == []
}

test_partially_masked_columns_keep_their_filters if {
	o := {"name": "x", "lineage": "derived", "sources": [email], "computed": true}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [email], "outputs": [o]})])
	probe_reasons(d) == []
}

test_probes_are_judged_only_where_column_masking_applies if {
	s := select_with({"predicates": [password]})
	d1 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [s])
	probe_reasons(d1) == []
	d2 := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [s])
	probe_reasons(d2) == []
}

test_a_configured_whole_mask_counts_and_a_partial_one_does_not if {
	cols := [{"pattern": "*pin*", "strategy": "hash"}, {"pattern": "*note*", "strategy": "partial"}]
	s := select_with({"predicates": [{"table": "t", "column": "card_pin"}, {"table": "t", "column": "note"}]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s]) with data.settings as {"sensitive_columns": cols}
	probe_reasons(d) == ["statement 1 (select): column card_pin is masked whole; a statement may compare it only for equality with a value it gives (=, IN, IS NULL): LIKE, ranges, functions of it, joins, ORDER BY or GROUP BY on it would reveal its value a bit at a time"]
}
