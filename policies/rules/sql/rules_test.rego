package warden.sql_test

import data.warden.inputs_test as t

test_parse_error_is_denied_for_everyone if {
	every identity in [t.agent, t.human, t.break_glass] {
		doc := object.union(t.sql(identity, t.staging_db, []), {"command": {"sql": {"parse_error": "syntax error at or near \"DELEET\" at position 1"}}})
		d := data.warden.decision with input as doc
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.sql.parse_error"
		startswith(d.reasons[0].message, "the SQL could not be parsed (syntax error")
	}
}

test_missing_statements_list_is_denied if {
	doc := json.remove(t.sql(t.agent, t.prod_db, []), ["command/sql/statements"])
	d := data.warden.decision with input as doc
	d.effect == "deny"
	"warden.rules.sql.parse_error" in {r.rule | some r in d.reasons}
}

test_plain_humans_in_production if {
	every c in [
		{"note": "read", "identity": t.human, "statements": [t.read("select")], "effect": "allow"},
		{"note": "insert", "identity": t.human, "statements": [w("insert", "t")], "effect": "approve"},
		{"note": "delete without where", "identity": t.human, "statements": [w("delete", "t")], "effect": "deny"},
		{"note": "drop", "identity": t.human, "statements": [s("drop")], "effect": "deny"},
		{"note": "grant", "identity": t.human, "statements": [s("grant")], "effect": "approve", "rules": ["warden.rules.sql.privilege"]},
		{"note": "do", "identity": t.human, "statements": [s("do")], "effect": "deny"},
		{"note": "alter system", "identity": t.human, "statements": [s("alter_system")], "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_break_glass_in_production if {
	every c in [
		{"note": "delete without where", "identity": t.break_glass, "statements": [w("delete", "t")], "effect": "allow", "rules": ["warden.rules.sql.unbounded_write"]},
		{"note": "drop", "identity": t.break_glass, "statements": [s("drop")], "effect": "allow"},
		{"note": "grant", "identity": t.break_glass, "statements": [s("grant")], "effect": "allow"},
		{"note": "do", "identity": t.break_glass, "statements": [s("do")], "effect": "allow"},
		{"note": "terminate backend", "identity": t.break_glass, "statements": [calls(t.func("pg_terminate_backend"))], "effect": "allow"},
		{"note": "alter system", "identity": t.break_glass, "statements": [s("alter_system")], "effect": "approve", "rules": ["warden.rules.sql.system"]},
		{"note": "copy program", "identity": t.break_glass, "statements": [t.stmt("copy", {"detail": {"program": true}})], "effect": "approve", "rules": ["warden.rules.sql.copy_program"]},
		{"note": "read server file", "identity": t.break_glass, "statements": [calls(t.func("pg_read_file"))], "effect": "approve", "rules": ["warden.rules.sql.server_files"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_break_glass_allow_records_what_was_let_through if {
	d := data.warden.decision with input as t.sql(t.break_glass, t.prod_db, [s("truncate")])
	d.reasons == [{"rule": "warden.rules.sql.destroy", "message": "statement 1 (truncate): removes table data or objects; allowed for break-glass humans on production target prod-db"}]
}

test_agents_on_staging if {
	every c in [
		{"note": "insert", "target": t.staging_db, "statements": [w("insert", "t")], "effect": "allow"},
		{"note": "update with where", "target": t.staging_db, "statements": [where("update", "t")], "effect": "allow"},
		{"note": "create", "target": t.staging_db, "statements": [s("create")], "effect": "allow"},
		{"note": "unknown function", "target": t.staging_db, "statements": [calls(t.func("my_fn"))], "effect": "allow"},
		{"note": "delete without where", "target": t.staging_db, "statements": [w("delete", "t")], "effect": "approve"},
		{"note": "drop", "target": t.staging_db, "statements": [s("drop")], "effect": "approve"},
		{"note": "grant", "target": t.staging_db, "statements": [s("grant")], "effect": "deny"},
		{"note": "copy program", "target": t.staging_db, "statements": [t.stmt("copy", {"detail": {"program": true}})], "effect": "deny"},
		{"note": "copy stdout", "target": t.staging_db, "statements": [t.stmt("copy", {"detail": {"stdio": true}})], "effect": "deny"},
		{"note": "dangerous function", "target": t.staging_db, "statements": [calls(t.func("pg_sleep"))], "effect": "deny"},
		{"note": "do", "target": t.staging_db, "statements": [s("do")], "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_humans_on_staging if {
	every c in [
		{"note": "drop", "identity": t.human, "target": t.staging_db, "statements": [s("drop")], "effect": "approve"},
		{"note": "grant", "identity": t.human, "target": t.staging_db, "statements": [s("grant")], "effect": "approve"},
		{"note": "do", "identity": t.human, "target": t.staging_db, "statements": [s("do")], "effect": "approve"},
		{"note": "alter system", "identity": t.human, "target": t.staging_db, "statements": [s("alter_system")], "effect": "deny"},
		{"note": "insert", "identity": t.human, "target": t.staging_db, "statements": [w("insert", "t")], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_mysql_is_judged_the_same_way if {
	every c in [
		{"note": "mysql read", "target": t.prod_mysql, "statements": [t.read("select")], "effect": "allow"},
		{"note": "mysql delete without where", "target": t.prod_mysql, "statements": [w("delete", "t")], "effect": "deny"},
		{"note": "mysql sleep", "target": t.prod_mysql, "statements": [calls(t.func("SLEEP"))], "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

# Statements are judged whenever a command carries them, whatever its protocol says (fail closed).
test_sql_carried_by_another_protocol_is_still_judged if {
	doc := object.union(t.kubernetes(t.agent, t.prod_k8s, {}), {"command": {"sql": {"statements": [s("drop")]}}})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	"warden.rules.sql.destroy" in {r.rule | some r in d.reasons}
	e := data.warden.decision with input as object.union(t.kubernetes(t.agent, t.prod_k8s, {}), {"command": {"sql": false}})
	e.effect == "allow"
}

test_sql_columns_are_masked_only_for_sql_commands if {
	doc := object.union(t.kubernetes(t.agent, t.prod_k8s, {"resource": "configmaps"}), {"command": {"sql": {"statements": [t.read("select")]}}})
	d := data.warden.decision with input as doc
	{m.rule | some m in d.obligations.mask} == {"warden.rules.kubernetes.content", "warden.rules.sql.pii", "warden.rules.sql.content"}
	e := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"resource": "configmaps"})
	{m.rule | some m in e.obligations.mask} == {"warden.rules.kubernetes.content"}
}
