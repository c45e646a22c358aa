package warden.sql_test

import data.warden.inputs_test as t

set(name, value) := t.stmt("set", {"read_only": true, "detail": {"name": name, "value": value, "local": false, "kind": "VAR_SET_VALUE"}})

test_ordinary_settings_are_allowed if {
	every c in [{"note": name, "statements": [set(name, "x")], "effect": "allow"} |
		some name in [
			"application_name", "statement_timeout", "timezone", "DateStyle",
			"transaction", "session characteristics",
		]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

# An index scan returns rows in its key's order, which may be a masked column's: settings that steer the planner to
# one are held in production, allowed elsewhere, and their defaults are always allowed.
test_planner_settings_are_held_in_production if {
	every name in ["enable_seqscan", "enable_bitmapscan", "random_page_cost", "seq_page_cost", "cpu_tuple_cost", "effective_cache_size", "cursor_tuple_fraction"] {
		held := {"note": name, "statements": [set(name, "0")], "effect": "approve", "rules": ["warden.rules.sql.planner_setting"]}
		d1 := data.warden.decision with input as doc_of(held)
		matches(held, d1)
		staging := {"note": name, "target": t.staging_db, "statements": [set(name, "0")], "effect": "allow"}
		d2 := data.warden.decision with input as doc_of(staging)
		matches(staging, d2)
		reset := {"note": name, "statements": [t.stmt("set", {"read_only": true, "detail": {"name": name, "value": "default", "local": false, "kind": "VAR_SET_DEFAULT"}})], "effect": "allow"}
		d3 := data.warden.decision with input as doc_of(reset)
		matches(reset, d3)
	}
	on := {"note": "switched on", "statements": [set("enable_seqscan", "on")], "effect": "allow"}
	d4 := data.warden.decision with input as doc_of(on)
	matches(on, d4)
}

test_settings_outside_the_allowlist_are_denied if {
	every c in [{"note": name, "statements": [set(name, "x")], "effect": "deny", "rules": ["warden.rules.sql.setting"]} |
		some name in ["session_replication_role", "log_statement", "session_preload_libraries", "allow_system_table_mods"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_role_settings_are_privilege if {
	every c in [
		{"note": "set role as a set", "statements": [set("role", "admin")], "effect": "deny", "rules": ["warden.rules.sql.role"]},
		{"note": "session authorization", "statements": [set("session_authorization", "postgres")], "effect": "deny", "rules": ["warden.rules.sql.role"]},
		{"note": "human set role", "identity": t.human, "statements": [set("role", "admin")], "effect": "approve"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_on_only_settings if {
	every c in [
		{"note": "read only on", "statements": [set("transaction_read_only", "on")], "effect": "allow"},
		{"note": "read only true quoted", "statements": [set("default_transaction_read_only", "'TRUE'")], "effect": "allow"},
		{"note": "read only off", "statements": [set("transaction_read_only", "off")], "effect": "deny", "rules": ["warden.rules.sql.setting"]},
		{"note": "row security off (an error where a policy would hide rows, never more rows)", "statements": [set("row_security", "off")], "effect": "allow"},
		{"note": "reset read only", "statements": [t.stmt("reset", {"read_only": true, "detail": {"name": "transaction_read_only", "kind": "VAR_RESET"}})], "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_resets if {
	every c in [
		{"note": "reset all by kind", "statements": [t.stmt("reset", {"read_only": true, "detail": {"kind": "VAR_RESET_ALL"}})], "effect": "allow"},
		{"note": "reset all without a name", "statements": [t.stmt("reset", {"read_only": true})], "effect": "allow"},
		{"note": "reset an ordinary setting", "statements": [t.stmt("reset", {"read_only": true, "detail": {"name": "statement_timeout", "kind": "VAR_RESET"}})], "effect": "allow"},
		{"note": "set without a name", "statements": [t.stmt("set", {"read_only": true})], "effect": "deny", "rules": ["warden.rules.sql.setting"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_extra_safe_settings_from_settings if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [set("my.tenant", "7")]) with data.settings as {"extra_safe_settings": ["my.tenant"]}
	d.effect == "allow"
	e := data.warden.decision with input as t.sql(t.agent, t.prod_db, [set("my.tenant", "7")])
	e.effect == "deny"
	e.reasons[0].message == "statement 1 (set): SET my.tenant is not an ordinary session setting; denied for agents on production target prod-db"
}

multi_set(name, value) := t.stmt("set", {"read_only": true, "detail": {"name": name, "value": value, "local": false, "kind": "VAR_SET_MULTI"}})

test_search_path_changes_need_approval if {
	every value in ["reporting, public", "pg_catalog, reporting", "'$user', public"] {
		d := data.warden.decision with input as doc_of({"statements": [set("search_path", value)]})
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.sql.search_path"
	}
}

test_search_path_before_pg_catalog_is_denied if {
	every value in ["public, pg_catalog", "evil,PG_CATALOG", "\"$user\", pg_catalog, public"] {
		d := data.warden.decision with input as doc_of({"statements": [set("search_path", value)]})
		d.effect == "deny"
		some r in d.reasons
		r.rule == "warden.rules.sql.search_path"
		contains(r.message, "before pg_catalog")
	}
}

test_read_write_transactions_are_denied if {
	every c in [
		{"note": "set transaction", "statements": [multi_set("transaction", "transaction_read_only=0")], "effect": "deny", "rules": ["warden.rules.sql.setting"]},
		{"note": "session characteristics", "statements": [multi_set("session characteristics", "transaction_isolation=serializable, transaction_read_only=false")], "effect": "deny", "rules": ["warden.rules.sql.setting"]},
		{"note": "begin read write", "statements": [t.stmt("begin", {"read_only": true, "detail": {"kind": "TRANS_STMT_BEGIN", "options": {"transaction_read_only": "0"}}})], "effect": "deny", "rules": ["warden.rules.sql.setting"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_read_only_transactions_are_allowed if {
	every c in [
		{"note": "set transaction read only", "statements": [multi_set("transaction", "transaction_read_only=1")], "effect": "allow"},
		{"note": "begin read only", "statements": [t.stmt("begin", {"read_only": true, "detail": {"kind": "TRANS_STMT_BEGIN", "options": {"transaction_read_only": "1"}}})], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

# The normalizer lists each argument exactly (values): a quoted "PG_CATALOG" or " pg_catalog" is another schema.
test_search_path_lookalike_before_pg_catalog_is_denied if {
	every values in [["PG_CATALOG", "pg_catalog"], [" pg_catalog", "pg_catalog"], ["pg_catalog\t", "public", "pg_catalog"]] {
		stmt := t.stmt("set", {"read_only": true, "detail": {"name": "search_path", "value": concat(", ", values), "values": values, "local": false, "kind": "VAR_SET_VALUE"}})
		d := data.warden.decision with input as doc_of({"statements": [stmt]})
		d.effect == "deny"
		some r in d.reasons
		contains(r.message, "before pg_catalog")
	}
}

# pg_dump's first statement: pg_catalog alone on the path (the gateway then resolves schema-qualified names only).
test_empty_search_path_is_allowed if {
	stmt := t.stmt("set", {"read_only": true, "detail": {"name": "search_path", "value": "", "values": [""], "local": false, "kind": "VAR_SET_VALUE"}})
	d := data.warden.decision with input as doc_of({"statements": [stmt]})
	d.effect == "allow"
	every values in [["", "public"], ["public"], [" "]] {
		other := t.stmt("set", {"read_only": true, "detail": {"name": "search_path", "value": concat(", ", values), "values": values, "local": false, "kind": "VAR_SET_VALUE"}})
		e := data.warden.decision with input as doc_of({"statements": [other]})
		e.effect == "approve"
	}
}

test_search_path_with_pg_catalog_first_is_not_denied if {
	stmt := t.stmt("set", {"read_only": true, "detail": {"name": "search_path", "value": "pg_catalog, public", "values": ["pg_catalog", "public"], "local": false, "kind": "VAR_SET_VALUE"}})
	d := data.warden.decision with input as doc_of({"statements": [stmt]})
	d.effect == "approve"
}

test_memory_settings_within_a_bound if {
	every c in [
		{"note": "work_mem in MB", "statements": [set("work_mem", "64MB")], "effect": "allow"},
		{"note": "work_mem at the bound", "statements": [set("work_mem", "256MB")], "effect": "allow"},
		{"note": "work_mem in kB without a unit", "statements": [set("work_mem", "4096")], "effect": "allow"},
		{"note": "work_mem in bytes", "statements": [set("work_mem", "268435456B")], "effect": "allow"},
		{"note": "temp_buffers in 8 kB pages", "statements": [set("temp_buffers", "32768")], "effect": "allow"},
		{"note": "hash_mem_multiplier", "statements": [set("hash_mem_multiplier", "2.5")], "effect": "allow"},
		{"note": "work_mem default", "statements": [t.stmt("set", {"read_only": true, "detail": {"name": "work_mem", "value": "default", "kind": "VAR_SET_DEFAULT"}})], "effect": "allow"},
		{"note": "work_mem reset", "statements": [t.stmt("reset", {"read_only": true, "detail": {"name": "work_mem", "kind": "VAR_RESET"}})], "effect": "allow"},
		{"note": "work_mem over the bound", "statements": [set("work_mem", "4GB")], "effect": "approve", "rules": ["warden.rules.sql.resource_setting"]},
		{"note": "work_mem one MB over", "statements": [set("work_mem", "257MB")], "effect": "approve", "rules": ["warden.rules.sql.resource_setting"]},
		{"note": "work_mem in kB over", "statements": [set("work_mem", "300000")], "effect": "approve"},
		{"note": "maintenance_work_mem in TB", "statements": [set("maintenance_work_mem", "1TB")], "effect": "approve"},
		{"note": "temp_buffers pages over", "statements": [set("temp_buffers", "40000")], "effect": "approve"},
		{"note": "hash_mem_multiplier over", "statements": [set("hash_mem_multiplier", "1000")], "effect": "approve"},
		{"note": "a value not read (exponent)", "statements": [set("work_mem", "1e9")], "effect": "approve"},
		{"note": "a value not read (fraction)", "statements": [set("work_mem", "1.5GB")], "effect": "approve"},
		{"note": "break-glass over the bound", "identity": t.break_glass, "statements": [set("work_mem", "4GB")], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}
