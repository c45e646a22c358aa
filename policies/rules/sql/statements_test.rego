package warden.sql_test

import data.warden.inputs_test as t

test_agent_production_reads if {
	every c in [
		{"note": "select", "statements": [t.read("select")], "effect": "allow"},
		{"note": "values", "statements": [t.read("values")], "effect": "allow"},
		{"note": "show", "statements": [t.read("show")], "effect": "allow"},
		{"note": "fetch and close", "statements": [t.read("fetch"), t.read("close")], "effect": "allow"},
		{"note": "read-only cursor", "statements": [t.read("declare_cursor")], "effect": "allow"},
		{"note": "plain explain", "statements": [t.stmt("explain", {"read_only": true, "detail": {"analyze": false, "statement_type": "delete"}})], "effect": "allow"},
		{"note": "explain analyze of a select", "statements": [s("explain"), nested(t.read("select"), "explain", 0)], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_agent_production_session_statements if {
	every c in [{"note": type, "statements": [s(type)], "effect": "allow"} |
		some type in ["begin", "commit", "rollback", "savepoint", "release", "discard", "deallocate", "unlisten"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_zero_statements_run_nothing_and_are_allowed if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [])
	d == {"effect": "allow", "reasons": [], "obligations": {"mask": []}}
}

test_agent_production_reads_not_positively_read_only if {
	every c in [
		{"note": "select not read-only", "statements": [s("select")], "effect": "approve", "rules": ["warden.rules.sql.not_read_only"]},
		{"note": "show not read-only", "statements": [s("show")], "effect": "approve", "rules": ["warden.rules.sql.not_read_only"]},
		{"note": "select for update", "statements": [t.stmt("select", {"detail": {"locking": ["FOR UPDATE"]}})], "effect": "approve", "rules": ["warden.rules.sql.locking"]},
		{"note": "locking cursor", "statements": [t.stmt("declare_cursor", {"detail": {"locking": "FOR SHARE"}})], "effect": "approve", "rules": ["warden.rules.sql.locking"]},
		{"note": "explain analyze without the inner entry", "statements": [s("explain")], "effect": "deny", "rules": ["warden.rules.sql.unseen"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_agent_production_writes if {
	every c in [
		{"note": "insert", "statements": [w("insert", "users")], "effect": "approve", "rules": ["warden.rules.sql.write"]},
		{"note": "merge", "statements": [w("merge", "users")], "effect": "approve", "rules": ["warden.rules.sql.write"]},
		{"note": "update with where", "statements": [where("update", "users")], "effect": "approve", "rules": ["warden.rules.sql.write"]},
		{"note": "delete with where", "statements": [where("delete", "users")], "effect": "approve", "rules": ["warden.rules.sql.write"]},
		{"note": "update without where", "statements": [w("update", "users")], "effect": "deny", "rules": ["warden.rules.sql.unbounded_write"]},
		{"note": "delete without where", "statements": [w("delete", "users")], "effect": "deny", "rules": ["warden.rules.sql.unbounded_write"]},
		{"note": "drop", "statements": [t.stmt("drop", {"detail": {"object_kind": "table"}, "tables": [t.table("users", "write")]})], "effect": "deny", "rules": ["warden.rules.sql.destroy"]},
		{"note": "truncate", "statements": [w("truncate", "users")], "effect": "deny", "rules": ["warden.rules.sql.destroy"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_write_reason_names_statement_and_tables if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.read("select"), w("delete", "public.users")])
	d.reasons == [{
		"rule": "warden.rules.sql.unbounded_write",
		"message": "statement 2 (delete): has no WHERE clause that limits its rows and changes every row on public.users; denied for agents on production target prod-db",
	}]
}

test_nested_reason_names_its_parent if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [s("select"), nested(w("delete", "users"), "cte", 0)])
	d.effect == "deny"
	d.reasons[0].message == "statement 2 (delete) inside statement 1 via cte: has no WHERE clause that limits its rows and changes every row on users; denied for agents on production target prod-db"
}

test_agent_production_ddl_and_maintenance_need_approval if {
	every c in [{"note": type, "statements": [s(type)], "effect": "approve", "rules": ["warden.rules.sql.ddl"]} |
		some type in [
			"create", "alter", "rename", "comment", "create_table_as", "select_into", "lock", "vacuum",
			"analyze", "cluster", "reindex", "refresh_materialized_view", "notify", "call", "create_extension",
		]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

# pg_dump locks every table it dumps IN ACCESS SHARE MODE (mode 1): the lock a SELECT takes. Any stronger mode is held.
lock_users(mode) := t.stmt("lock", {"tables": [{"schema": "public", "name": "users", "full_name": "public.users", "access": "write"}], "detail": {"mode": mode, "nowait": false}})

test_access_share_lock_is_allowed_stronger_locks_are_held if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [lock_users(1)])
	d.effect == "allow"
	every mode in [2, 3, 4, 5, 6, 7, 8] {
		e := data.warden.decision with input as t.sql(t.agent, t.prod_db, [lock_users(mode)])
		e.effect == "approve"
		some r in e.reasons
		r.rule == "warden.rules.sql.ddl"
	}
}

test_agent_production_privilege_is_denied if {
	every c in [{"note": type, "statements": [s(type)], "effect": "deny", "rules": ["warden.rules.sql.privilege"]} |
		some type in ["grant", "revoke", "create_role", "alter_role", "drop_role", "set_role", "reassign_owned", "drop_owned"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_cast_through_a_function_is_denied if {
	every c in [
		{"note": "cast with a function", "statements": [t.stmt("create", {"node": "CreateCastStmt", "detail": {"object_kind": "cast", "function": "leak"}})], "effect": "deny", "rules": ["warden.rules.sql.cast_function"]},
		{"note": "cast with inout", "statements": [t.stmt("create", {"node": "CreateCastStmt", "detail": {"object_kind": "cast"}})], "effect": "approve", "rules": ["warden.rules.sql.ddl"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_privilege_hidden_in_generic_statements if {
	every c in [
		{"note": "alter owner", "statements": [alter_table(["AT_ChangeOwner"])], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "disable rls among other subcommands", "statements": [alter_table(["AT_AddColumn", "AT_DisableRowSecurity"])], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "force rls", "statements": [alter_table(["AT_ForceRowSecurity"])], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "subcommands missing", "statements": [t.stmt("alter", {"node": "AlterTableStmt", "text": "ALTER TABLE users ADD COLUMN a int"})], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "owner words in the text only", "statements": [t.stmt("alter", {"node": "AlterTableStmt", "text": "ALTER TABLE owners ADD COLUMN \"owner to\" int", "detail": {"subcommands": ["AT_AddColumn"]}})], "effect": "approve"},
		{"note": "default privileges", "statements": [t.stmt("alter", {"node": "AlterDefaultPrivilegesStmt"})], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "create policy", "statements": [t.stmt("create", {"node": "CreatePolicyStmt"})], "effect": "deny", "rules": ["warden.rules.sql.privilege"]},
		{"note": "plain alter", "statements": [alter_table(["AT_AddColumn"])], "effect": "approve"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

alter_table(subcommands) := t.stmt("alter", {"node": "AlterTableStmt", "detail": {"object_kind": "table", "subcommands": subcommands}})

test_agent_production_system_and_external if {
	every c in [
		{"note": "alter system", "statements": [s("alter_system")], "effect": "deny", "rules": ["warden.rules.sql.system"]},
		{"note": "load", "statements": [s("load")], "effect": "deny", "rules": ["warden.rules.sql.system"]},
		{"note": "tablespace", "statements": [t.stmt("create", {"node": "CreateTableSpaceStmt"})], "effect": "deny", "rules": ["warden.rules.sql.system"]},
		{"note": "untrusted language function", "statements": [t.stmt("create_function", {"detail": {"language": "plpython3u"}})], "effect": "deny", "rules": ["warden.rules.sql.system"]},
		{"note": "C function", "statements": [t.stmt("create_function", {"detail": {"language": "C"}})], "effect": "deny", "rules": ["warden.rules.sql.system"]},
		{"note": "plpgsql function", "statements": [t.stmt("create_function", {"detail": {"language": "plpgsql"}})], "effect": "approve", "rules": ["warden.rules.sql.function"]},
		{"note": "foreign server", "statements": [t.stmt("create", {"node": "CreateForeignServerStmt"})], "effect": "deny", "rules": ["warden.rules.sql.external"]},
		{"note": "checkpoint", "statements": [s("checkpoint")], "effect": "deny", "rules": ["warden.rules.sql.checkpoint"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_function_bodies_are_judged if {
	every c in [{
		"note": "function whose body deletes every row",
		"statements": [t.stmt("create_function", {"detail": {"language": "sql"}}), nested(w("delete", "users"), "function_body", 0)],
		"effect": "deny", "rules": ["warden.rules.sql.unbounded_write"],
	}] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_procedural_and_unrecognised_are_denied if {
	every c in [
		{"note": "do", "statements": [t.stmt("do", {"detail": {"language": "plpgsql"}})], "effect": "deny", "rules": ["warden.rules.sql.procedural"]},
		{"note": "do with a read inside", "statements": [s("do"), nested(t.read("select"), "do", 0)], "effect": "deny"},
		{"note": "other", "statements": [s("other")], "effect": "deny", "rules": ["warden.rules.sql.unrecognised"]},
		{"note": "unknown type", "statements": [s("frobnicate")], "effect": "deny", "rules": ["warden.rules.sql.unrecognised"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_do_messages if {
	messages := {r.message |
		some detail in [{"dynamic_sql": true}, {"opaque": true}, {}]
		d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("do", {"detail": detail})])
		some r in d.reasons
	}
	messages == {
		"statement 1 (do): runs an anonymous code block that builds SQL at run time (EXECUTE); denied for agents on production target prod-db",
		"statement 1 (do): runs an anonymous code block in a language Warden cannot read; denied for agents on production target prod-db",
		"statement 1 (do): runs an anonymous procedural code block; denied for agents on production target prod-db",
	}
}

test_prepare_and_execute_follow_their_statements if {
	every c in [
		{"note": "prepare of a delete with where", "statements": [s("prepare"), nested(where("delete", "users"), "prepare", 0)], "effect": "approve"},
		{"note": "prepare of a select", "statements": [t.read("prepare"), nested(t.read("select"), "prepare", 0)], "effect": "allow"},
		{"note": "prepare without its statement", "statements": [s("prepare")], "effect": "deny", "rules": ["warden.rules.sql.unseen"]},
		{"note": "execute unresolved", "statements": [t.stmt("execute", {"detail": {"name": "p", "resolved": false}})], "effect": "deny", "rules": ["warden.rules.sql.execute"]},
		{"note": "execute resolved to a delete", "statements": [t.stmt("execute", {"detail": {"name": "p", "resolved": true}}), nested(w("delete", "users"), "execute", 0)], "effect": "deny", "rules": ["warden.rules.sql.unbounded_write"]},
		{"note": "execute resolved to a select", "statements": [t.stmt("execute", {"read_only": true, "detail": {"name": "p", "resolved": true}}), nested(t.read("select"), "execute", 0)], "effect": "allow"},
		{"note": "execute resolved without its statement", "statements": [t.stmt("execute", {"detail": {"name": "p", "resolved": true}})], "effect": "deny", "rules": ["warden.rules.sql.unseen"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_multi_statement_strictest_wins if {
	every c in [
		{"note": "select then drop", "statements": [t.read("select"), s("drop")], "effect": "deny"},
		{"note": "select then insert", "statements": [t.read("select"), w("insert", "t")], "effect": "approve"},
		{"note": "writable cte", "statements": [s("select"), nested(where("update", "t"), "cte", 0)], "effect": "approve"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_malformed_entries_still_fail_closed if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [
		t.stmt("execute", {"detail": {"name": 7}}),
		object.union(w("delete", "users"), {"nested": {"via": 3, "parent_index": 0}}),
		{"read_only": true},
	])
	d.effect == "deny"
	{r.message | some r in d.reasons} == {
		"statement 1 (execute): runs prepared statement ?, which Warden has not seen; denied for agents on production target prod-db",
		"statement 2 (delete) inside statement 1 via ?: has no WHERE clause that limits its rows and changes every row on users; denied for agents on production target prod-db",
		"statement 3 (no type): is not a statement Warden recognises; denied for agents on production target prod-db",
	}
}
