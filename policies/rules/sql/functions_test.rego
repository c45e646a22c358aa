package warden.sql_test

import data.warden.inputs_test as t

sql_catalog := data.warden.catalog.sql

function_lists := [
	sql_catalog.safe_functions, sql_catalog.side_effect_functions,
	sql_catalog.server_file_functions, sql_catalog.dangerous_functions, sql_catalog.sensitive_catalog_functions,
]

# Names are looked up lower-case, and each sits on one list only.
test_function_lists_are_lower_case_and_disjoint if {
	names := [name | some list in function_lists; some name, _ in list]
	every name in names {
		name == lower(name)
	}
	count(names) == count({name | some name in names})
}

# dangerous_function skips the prefix scan for safe and side-effect names, so none may start with one.
test_no_safe_or_side_effect_name_starts_with_a_dangerous_prefix if {
	every name, _ in object.union(sql_catalog.safe_functions, sql_catalog.side_effect_functions) {
		every prefix in sql_catalog.dangerous_function_prefixes {
			not startswith(name, prefix)
		}
	}
}

test_extra_safe_functions_never_lift_dangerous_ones if {
	every name in ["pg_sleep", "DBLINK_exec", "pg_read_file"] {
		d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [calls(t.func(name))])
			with data.settings as {"extra_safe_functions": ["pg_sleep", "dblink_exec", "pg_read_file"]}
		d.effect == "deny"
	}
}

test_functions_without_a_schema_field_are_not_builtin if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [calls({"name": "lower", "full_name": "lower"})])
	d.effect == "approve"
	d.reasons[0].rule == "warden.rules.sql.unknown_function"
}

test_statement_tables_are_consistent if {
	every type, _ in sql_catalog.change_verbs {
		sql_catalog.statement_types[type] == "change"
	}
	every _, class in sql_catalog.nodes {
		class in {"privilege", "dangerous", "critical"}
	}
	every lists in [
		sql_catalog.sensitive_catalogs, sql_catalog.sensitive_catalog_columns, sql_catalog.extension_catalogs,
		sql_catalog.untrusted_languages, sql_catalog.safe_settings,
	] {
		every name, _ in lists {
			name == lower(name)
		}
	}
}

# A column-sensitive catalog names its safe and unsafe columns, disjoint and lower-case.
test_sensitive_catalog_columns_are_well_formed if {
	every _, spec in sql_catalog.sensitive_catalog_columns {
		is_string(spec.why)
		count(spec.unsafe) > 0
		every c in array.concat(spec.safe, spec.unsafe) {
			c == lower(c)
		}
		count({c | some c in spec.safe} & {c | some c in spec.unsafe}) == 0
	}
}

# A quoted name in upper or mixed case ("COUNT"(x)) calls a function of that exact name, not the built-in: unknown.
test_quoted_names_differing_in_case_from_a_safe_function_are_unknown if {
	every name in ["COUNT", "Lower", "nextVAL"] {
		d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [calls(t.func(name))])
			with data.settings as {"extra_safe_functions": ["lower"]}
		d.effect == "approve"
		"warden.rules.sql.unknown_function" in {r.rule | some r in d.reasons}
	}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [calls(t.func("count"))])
	d.effect == "allow"
}
