package warden.sql_test

import data.warden.inputs_test as t

pinned_rule := "warden.rules.sql.pinned_setting"

reset(name) := t.stmt("reset", {"read_only": true, "detail": {"name": name, "kind": "VAR_RESET"}})

test_pinned_settings_are_denied_even_for_break_glass if {
	every c in [
		{"note": "set client_encoding", "statements": [set("client_encoding", "SJIS")], "effect": "deny", "rules": [pinned_rule]},
		{"note": "break-glass set client_encoding", "identity": t.break_glass, "statements": [set("client_encoding", "SJIS")], "effect": "deny", "rules": [pinned_rule]},
		{"note": "break-glass standard strings off", "identity": t.break_glass, "statements": [set("standard_conforming_strings", "off")], "effect": "deny", "rules": [pinned_rule]},
		{"note": "mixed case", "identity": t.break_glass, "statements": [set("Backslash_Quote", "on")], "effect": "deny", "rules": [pinned_rule]},
		{"note": "reset client_encoding", "identity": t.break_glass, "statements": [reset("client_encoding")], "effect": "deny", "rules": [pinned_rule]},
		{"note": "break-glass set_config", "identity": t.break_glass, "statements": [t.stmt("select", {"functions": [t.qualified_func("pg_catalog", "set_config")]})], "effect": "deny", "rules": [pinned_rule]},
		{"note": "alter role set", "identity": t.break_glass, "statements": [t.stmt("alter_role", {"node": "AlterRoleSetStmt", "detail": {"name": "x", "setting": {"name": "client_encoding", "value": "SJIS"}}})], "effect": "deny", "rules": [pinned_rule]},
		{"note": "alter database set", "identity": t.break_glass, "statements": [t.stmt("alter", {"node": "AlterDatabaseSetStmt", "text": "ALTER DATABASE d SET standard_conforming_strings = off"})], "effect": "deny", "rules": [pinned_rule]},
		{"note": "function set clause", "identity": t.break_glass, "statements": [t.stmt("create_function", {"node": "CreateFunctionStmt", "text": "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET client_encoding = 'SJIS' AS 'SELECT 1'"})], "effect": "deny", "rules": [pinned_rule]},
		{"note": "pg_settings write", "identity": t.break_glass, "statements": [t.stmt("update", {"has_where": true, "tables": [t.table("pg_settings", "write")]})], "effect": "deny", "rules": [pinned_rule]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_other_settings_and_reset_all_are_not_pinned_changes if {
	every c in [
		{"note": "break-glass sets an ordinary setting", "identity": t.break_glass, "statements": [set("statement_timeout", "5s")], "effect": "allow"},
		{"note": "break-glass resets all", "identity": t.break_glass, "statements": [t.stmt("reset", {"read_only": true, "detail": {"name": "all", "kind": "VAR_RESET_ALL"}})], "effect": "allow"},
		{"note": "break-glass creates a function without SET", "identity": t.break_glass, "statements": [t.stmt("create_function", {"node": "CreateFunctionStmt", "text": "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"})], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_a_verdict_override_does_not_lift_the_pin if {
	c := {"note": "every class allowed", "identity": t.break_glass, "statements": [set("client_encoding", "SJIS")], "effect": "deny", "rules": [pinned_rule]}
	d := data.warden.decision with input as doc_of(c)
		with data.settings as {"verdicts": {k: {col: "allow" | some col in ["agent_production", "human_production", "break_glass", "agent_other", "human_other"]} | some k in ["read", "change", "sensitive", "destructive", "privilege", "agent_forbidden", "dangerous", "critical", "invalid"]}}
	matches(c, d)
}
