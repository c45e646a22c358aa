package warden.sql_test

import data.warden.inputs_test as t

stored(into, table, name, lineage, sources) := {"into": into, "table": table, "name": name, "lineage": lineage, "sources": sources}

password := {"table": "public.credentials", "column": "password"}

email := {"table": "public.users", "column": "email"}

write_storing(values) := t.stmt("update", {"has_where": true, "stored": values})

stored_reasons(d) := [r.message | some r in d.reasons; r.rule == "warden.rules.sql.stored"]

test_masked_value_into_unmasked_column_is_denied if {
	v := stored("column", "public.credentials", "label", "plain", [password])
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([v])])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (update): keeps values of masked column public.credentials.password in column label of public.credentials, where a later read would show them unmasked; masked values may only be written into columns masked as strictly"]
}

test_masked_value_into_a_column_masked_as_strictly_is_not_denied if {
	same := stored("column", "public.backup", "password", "plain", [password])
	stricter := stored("column", "public.users", "email_ssn", "derived", [email])
	count_only := object.union(stored("column", "public.stats", "n", "derived", [password]), {"safe": true})
	constant := stored("column", "public.credentials", "label", "derived", [])
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([same, stricter, count_only, constant])])
	stored_reasons(d) == []
	d.effect == "approve"
}

test_redacted_value_into_a_partially_masked_column_is_denied if {
	v := stored("column", "public.users", "email", "derived", [password])
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([v])])
	count(stored_reasons(d)) == 1
}

test_untraceable_value_counts_as_redacted if {
	v := object.union(stored("column", "public.orders", "status", "unknown", []), {"reason": "relation tmp is not in the catalog"})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([v])])
	stored_reasons(d) == ["statement 1 (update): keeps values Warden cannot trace (relation tmp is not in the catalog) in column status of public.orders, where a later read would show them unmasked; masked values may only be written into columns masked as strictly"]
	into_secret := object.union(v, {"name": "client_secret"})
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([into_secret])])
	stored_reasons(d2) == []
}

test_masked_value_kept_by_a_function_is_denied if {
	v := object.union(stored("function", null, "setval", "derived", [password]), {"functions": ["ascii", "substr"]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("select", {"read_only": true, "stored": [v]})])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (select): keeps values of masked column public.credentials.password in an argument of setval (a sequence value, lock key or notification other sessions read), where a later read would show them unmasked; masked values may only be written into columns masked as strictly"]
}

test_stored_values_are_not_judged_where_columns_are_not_masked if {
	v := stored("column", "public.credentials", "label", "plain", [password])
	every doc in [t.sql(t.agent, t.staging_db, [write_storing([v])]), t.sql(t.break_glass, t.prod_db, [write_storing([v])])] {
		d := data.warden.decision with input as doc
		stored_reasons(d) == []
	}
}

test_masked_value_read_in_a_function_body_is_denied if {
	v := stored("routine", null, "trg1", "derived", [password])
	body := object.union(t.stmt("select", {"read_only": true, "stored": [v]}), {"nested": {"via": "function_body", "parent_index": 0}})
	create := t.stmt("create_function", {"detail": {"name": "trg1", "language": "plpgsql"}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [create, body])
	d.effect == "deny"
	stored_reasons(d) == ["statement 2 (select) inside statement 1 via function_body: keeps values of masked column public.credentials.password in what function trg1 hands on (its result, a trigger's row, a RAISE), where a later read would show them unmasked; masked values may only be written into columns masked as strictly"]
}

test_untraced_names_in_a_function_body_are_its_variables if {
	variable := object.union(stored("column", "public.orders", "status", "unknown", []), {"reason": "column v is not in any relation in scope"})
	read := object.union(stored("routine", null, "f", "unknown", []), {"reason": "column x is not in any relation in scope"})
	body := object.union(t.stmt("update", {"has_where": true, "stored": [variable, read]}), {"nested": {"via": "function_body", "parent_index": 0}})
	create := t.stmt("create_function", {"detail": {"name": "f", "language": "plpgsql"}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [create, body])
	stored_reasons(d) == []
	d.effect == "approve"
}

test_function_whose_body_cannot_be_read_is_denied_under_column_masking if {
	dynamic := t.stmt("create_function", {"detail": {"name": "f", "language": "plpgsql", "dynamic_sql": true}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [dynamic])
	stored_reasons(d) == ["statement 1 (create_function): creates function f whose body builds SQL at run time (EXECUTE), so what it reads cannot be checked against the column masks"]
	opaque := t.stmt("create_function", {"detail": {"name": "g", "language": "plv8", "opaque": true}})
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [opaque])
	count(stored_reasons(d2)) == 1
	d3 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [dynamic])
	stored_reasons(d3) == []
}

test_trigger_function_using_the_whole_row_is_denied_under_column_masking if {
	whole := t.stmt("create_function", {"detail": {"name": "f", "language": "plpgsql", "whole_trigger_row": true}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [whole])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (create_function): creates function f whose body uses a trigger's whole row (NEW or OLD as a value), every column of its table under no name a mask follows, so what it reads cannot be checked against the column masks"]
	d2 := data.warden.decision with input as t.sql(t.agent, t.staging_db, [whole])
	stored_reasons(d2) == []
}

rename_column(old, new) := t.stmt("rename", {"detail": {"object_kind": "column", "old_name": old, "new_name": new}})

test_renaming_a_masked_column_to_a_less_masked_name_is_denied if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [rename_column("client_secret", "motto")])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (rename): renames masked column client_secret to motto, a name masked less strictly, so later reads would show its values unmasked"]
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [rename_column("password", "user_email")])
	count(stored_reasons(d2)) == 1
	d3 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("rename", {"detail": {"object_kind": "column", "old_name": null, "new_name": "x"}})])
	count(stored_reasons(d3)) == 1
	attribute := t.stmt("rename", {"detail": {"object_kind": "attribute", "old_name": "secret", "new_name": "motto"}})
	d4 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [attribute])
	count(stored_reasons(d4)) == 1
}

test_other_renames_need_approval_only if {
	every doc in [
		t.sql(t.agent, t.prod_db, [rename_column("note", "motto")]),
		t.sql(t.agent, t.prod_db, [rename_column("password", "old_password")]),
		t.sql(t.agent, t.prod_db, [rename_column("email", "contact_email")]),
		t.sql(t.agent, t.prod_db, [t.stmt("rename", {"detail": {"object_kind": "table", "new_name": "x"}})]),
	] {
		d := data.warden.decision with input as doc
		stored_reasons(d) == []
		d.effect == "approve"
	}
	d := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [rename_column("password", "motto")])
	stored_reasons(d) == []
}

trigger(fn, args) := t.stmt("create", {"detail": {"object_kind": "trigger", "function": fn, "arguments": args}})

test_trigger_given_masked_column_names_is_denied if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [trigger("tsvector_update_trigger", ["search", "pg_catalog.simple", "Password"])])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (create): creates a trigger whose function tsvector_update_trigger is given masked column names (Password), whose values it may copy where a later read would show them unmasked"]
}

test_trigger_without_masked_arguments_needs_approval_only if {
	every doc in [
		t.sql(t.agent, t.prod_db, [trigger("tsvector_update_trigger", ["search", "pg_catalog.simple", "label"])]),
		t.sql(t.agent, t.prod_db, [trigger("audit", [])]),
	] {
		d := data.warden.decision with input as doc
		stored_reasons(d) == []
		d.effect == "approve"
	}
}

test_stored_value_through_an_unknown_function_is_denied if {
	v := object.union(stored("column", "public.orders", "status", "derived", []), {"functions": ["get_api_key"]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([v])])
	d.effect == "deny"
	stored_reasons(d) == ["statement 1 (update): keeps values that pass through get_api_key in column status of public.orders; that function is not known to compute only from its arguments, so they may be masked values a later read would show unmasked"]
	shadowed := object.union(v, {"functions": ["public.lower"]})
	d2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([shadowed])])
	count(stored_reasons(d2)) == 1
}

test_stored_value_through_built_ins_or_into_a_redacted_column_is_not_denied if {
	builtins := object.union(stored("column", "public.orders", "status", "derived", []), {"functions": ["gen_random_uuid", "now", "nextval", "pg_catalog.lower"]})
	hashed := object.union(stored("column", "public.users", "password_hash", "derived", []), {"functions": ["crypt", "gen_salt"]})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([builtins, hashed])])
	stored_reasons(d) == []
	d.effect == "approve"
}

test_masked_value_into_a_checked_column_is_denied if {
	checked := {"checked": true}
	redacted := object.union(stored("column", "public.stash", "password_copy", "plain", [password]), checked)
	partial := object.union(stored("column", "public.stash", "email_copy", "plain", [email]), checked)
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([redacted, partial])])
	d.effect == "deny"
	stored_reasons(d) == [
		"statement 1 (update): writes values of masked column public.credentials.password into column password_copy of public.stash, whose values the server checks or hands on first (a CHECK constraint, foreign key, trigger, index expression, generated column, partition key, rule, or a domain check or cast in its type) by code the statement does not show; its errors, or what that code keeps, would reveal them: write masked values only into columns without such checks",
		"statement 1 (update): writes values of masked column public.users.email into column email_copy of public.stash, whose values the server checks or hands on first (a CHECK constraint, foreign key, trigger, index expression, generated column, partition key, rule, or a domain check or cast in its type) by code the statement does not show; its errors, or what that code keeps, would reveal them: write masked values only into columns without such checks",
	]
}

test_unmasked_or_given_values_into_a_checked_column_are_not_denied if {
	checked := {"checked": true}
	label := object.union(stored("column", "public.stash", "password_copy", "plain", [{"table": "public.credentials", "column": "label"}]), checked)
	given := object.union(stored("column", "public.stash", "password_copy", "derived", []), checked)
	count_only := object.union(stored("column", "public.stash", "n", "derived", [password]), {"checked": true, "safe": true})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [write_storing([label, given, count_only])])
	stored_reasons(d) == []
}
