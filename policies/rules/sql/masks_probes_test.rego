package warden.sql_test

import data.warden.inputs_test as t

probe_reasons(d) := [r.message | some r in d.reasons; r.rule == "warden.rules.sql.probe"]

select_with(fields) := t.stmt("select", object.union({"read_only": true}, fields))

password := {"table": "public.credentials", "column": "password"}

email := {"table": "public.users", "column": "email"}

test_a_secret_filtered_other_than_by_a_given_value_is_denied if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [password]})])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): column password is masked whole; a statement may return it as it is, count it, or look it up by a value it gives (=, IN, IS NULL): filtering, joining, ordering or grouping on it any other way, or computing on it (a function, operator, cast or CASE), would reveal its value a bit at a time through row counts, errors or timing"]
}

test_a_filter_on_values_no_mask_follows_is_denied_where_column_masking_applies if {
	s := select_with({"detail": {"predicate_unknown": "relation t3 is not in the catalog"}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): filters, orders, groups or computes on values no mask follows (relation t3 is not in the catalog), which may hold masked values; its row counts, errors or timing would reveal such a value a bit at a time; look rows up by a value the statement gives (=, IN, IS NULL) instead"]
	d2 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [s])
	probe_reasons(d2) == []
	d3 := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [s])
	probe_reasons(d3) == []
}

test_a_secret_looked_up_by_a_given_value_is_allowed if {
	lookup := object.union(password, {"lookup": true})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [lookup]})])
	probe_reasons(d) == []
}

test_partially_masked_columns_keep_their_filters if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [email]})])
	probe_reasons(d) == []
}

test_a_secret_returned_as_it_is_is_allowed if {
	o := {"name": "password", "lineage": "plain", "sources": [password]}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"outputs": [o]})])
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
	probe_reasons(d) == ["statement 1 (select): column card_pin is masked whole; a statement may return it as it is, count it, or look it up by a value it gives (=, IN, IS NULL): filtering, joining, ordering or grouping on it any other way, or computing on it (a function, operator, cast or CASE), would reveal its value a bit at a time through row counts, errors or timing"]
}

# Patterns match names, not types: `*password*` masks `password_changed_at` whole, so ordering or filtering on it
# is refused as a probe (an over-refusal the README documents). Configured patterns that name the secret columns
# exactly keep such columns usable.
test_default_patterns_mask_names_that_merely_contain_a_secret_word if {
	names := ["password_changed_at", "token_count", "secretary", "classname"]
	s := select_with({"predicates": [{"table": "t", "column": n} | some n in names]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s])
	count(probe_reasons(d)) == count(names)
	cols := [{"pattern": "password", "strategy": "redact"}, {"pattern": "*_password", "strategy": "redact"}]
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s]) with data.settings as {"sensitive_columns": cols}
	probe_reasons(d2) == []
}

# A partially masked column compared with candidates the statement makes, or with a column masked less strictly:
# the matching rows carry its value out in values that are not masked.
test_a_partial_column_compared_with_candidates_is_denied if {
	p := object.union(email, {"against_candidates": true})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [p]})])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): column email is masked; the statement matches it against values of rows it makes (VALUES, a function's rows, a subquery) or counts rows by it, and the rows that come back would carry its value out unmasked; compare it only with values written in the statement"]
}

test_a_partial_column_compared_with_an_unmasked_column_is_denied if {
	p := object.union(email, {"against": [{"table": "public.orders", "column": "status"}, {"table": "public.users", "column": "phone"}]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [p]})])
	d.effect == "deny"
	probe_reasons(d) == ["statement 1 (select): column email is masked; the statement matches it against column status, masked less strictly, and the rows that come back would carry its value out unmasked; compare it only with values written in the statement"]
}

test_a_partial_column_compared_with_columns_masked_as_strictly_is_allowed if {
	p := object.union(email, {"against": [{"table": "public.users", "column": "phone"}, {"table": "public.credentials", "column": "password"}]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [select_with({"predicates": [p]})])
	probe_reasons(d) == []
}

test_candidates_are_judged_only_where_column_masking_applies if {
	s := select_with({"predicates": [object.union(email, {"against_candidates": true})]})
	d := data.warden.decision with input as t.sql(t.agent, t.staging_db, [s])
	probe_reasons(d) == []
}
