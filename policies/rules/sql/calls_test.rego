package warden.sql_test

import data.warden.inputs_test as t

test_function_allowlist if {
	every c in [
		{"note": "aggregates and strings", "statements": [t.stmt("select", {"read_only": true, "functions": [t.func("count"), t.func("lower"), t.func("now")]})], "effect": "allow"},
		{"note": "pg_catalog qualified", "statements": [calls(t.qualified_func("pg_catalog", "btrim"))], "effect": "allow"},
		{"note": "quoted upper-case name: not the built-in", "statements": [calls(t.func("COALESCE"))], "effect": "approve", "rules": ["warden.rules.sql.unknown_function"]},
		{"note": "version is safe", "statements": [calls(t.func("version"))], "effect": "allow"},
		{"note": "user function", "statements": [calls(t.func("refresh_cache"))], "effect": "approve", "rules": ["warden.rules.sql.unknown_function"]},
		{"note": "safe name in another schema", "statements": [calls(t.qualified_func("public", "lower"))], "effect": "approve", "rules": ["warden.rules.sql.unknown_function"]},
		{"note": "sequence", "statements": [calls(t.func("nextval"))], "effect": "approve", "rules": ["warden.rules.sql.side_effect"]},
		{"note": "function in an insert", "statements": [t.stmt("insert", {"functions": [t.func("pg_sleep")]})], "effect": "deny", "rules": ["warden.rules.sql.dangerous_function"]},
		{"note": "cast to a domain in a filter: its CHECK may call any function", "statements": [t.stmt("select", {"read_only": true, "detail": {"user_type_casts": ["noted_int"]}})], "effect": "approve", "rules": ["warden.rules.sql.user_type_cast"]},
		{"note": "casts to built-in types only", "statements": [t.stmt("select", {"read_only": true, "detail": {}})], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_user_type_cast_named_safe_in_settings if {
	cast := t.stmt("select", {"read_only": true, "detail": {"user_type_casts": ["Vector"]}})
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [cast]) with data.settings as {"extra_safe_functions": ["vector"]}
	d.effect == "allow"
	held := data.warden.decision with input as t.sql(t.agent, t.prod_db, [cast])
	held.effect == "approve"
}

test_extra_safe_functions_from_settings if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [calls(t.func("refresh_cache"))]) with data.settings as {"extra_safe_functions": ["Refresh_Cache"]}
	d.effect == "allow"
}

test_server_file_functions_are_critical if {
	every c in [{"note": name, "statements": [calls(t.func(name))], "effect": "deny", "rules": ["warden.rules.sql.server_files"]} |
		some name in ["pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import", "lo_export", "pg_file_write", "load_file"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_dangerous_functions_are_denied if {
	every c in [{"note": name, "statements": [calls(t.func(name))], "effect": "deny", "rules": ["warden.rules.sql.dangerous_function"]} |
		some name in [
			"pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "set_config",
			"pg_sleep", "pg_sleep_for", "pg_switch_wal", "query_to_xml", "query_to_xml_and_xmlschema",
			"table_to_xml", "dblink", "dblink_exec", "lo_unlink", "crosstab", "ts_stat", "ts_rewrite", "pg_stat_reset",
		]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_dangerous_names_count_in_any_schema if {
	every c in [
		{"note": "public.dblink_exec", "statements": [calls(t.qualified_func("public", "dblink_exec"))], "effect": "deny"},
		{"note": "pg_catalog.pg_read_file", "statements": [calls(t.qualified_func("pg_catalog", "pg_read_file"))], "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_sensitive_catalogs_are_denied if {
	every c in [
		{"note": "pg_authid", "statements": [t.stmt("select", {"read_only": true, "tables": [t.table("pg_authid", "read")]})], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
		{"note": "pg_catalog.pg_shadow", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "pg_catalog", "name": "pg_shadow", "full_name": "pg_catalog.pg_shadow", "access": "read"}]})], "effect": "deny"},
		{"note": "mysql.user", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "mysql", "name": "user", "full_name": "mysql.user", "access": "read"}]})], "effect": "deny"},
		{"note": "an application table named like a catalog", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "app", "name": "pg_authid", "full_name": "app.pg_authid", "access": "read"}]})], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_catalogs_exposing_statements_statistics_or_settings_are_denied if {
	every c in [
		{"note": "pg_stats", "statements": [t.stmt("select", {"read_only": true, "tables": [t.table("pg_stats", "read")]})], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
		{"note": "PG_STATS_EXT in pg_catalog", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "PG_CATALOG", "name": "PG_STATS_EXT", "full_name": "PG_CATALOG.PG_STATS_EXT", "access": "read"}]})], "effect": "deny"},
		{"note": "pg_stat_statements in any schema", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "monitoring", "name": "pg_stat_statements", "full_name": "monitoring.pg_stat_statements", "access": "read"}]})], "effect": "deny"},
		{"note": "pg_stats in an application schema", "statements": [t.stmt("select", {"read_only": true, "tables": [{"schema": "app", "name": "pg_stats", "full_name": "app.pg_stats", "access": "read"}]})], "effect": "allow"},
		{"note": "pg_stat_activity.query", "statements": [catalog_read("pg_stat_activity", [{"table": "pg_stat_activity", "name": "query"}])], "effect": "deny"},
		{"note": "pg_stat_activity whole row", "statements": [catalog_read("pg_stat_activity", [{"table": "pg_stat_activity", "name": "a"}])], "effect": "deny"},
		{"note": "unqualified star beside pg_stat_activity", "statements": [catalog_read("pg_stat_activity", [{"table": null, "name": "*"}])], "effect": "deny"},
		{"note": "unqualified query beside pg_stat_activity", "statements": [catalog_read("pg_stat_activity", [{"table": null, "name": "QUERY"}])], "effect": "deny"},
		{"note": "column without a table key beside pg_stat_activity", "statements": [catalog_read("pg_stat_activity", [{"name": "query"}])], "effect": "deny"},
		{"note": "pg_stat_activity renamed by an alias column list", "statements": [object.union(catalog_read("pg_stat_activity", [{"table": "pg_stat_activity", "name": "pid"}]), {"detail": {"renamed_relations": ["PG_STAT_ACTIVITY"]}})], "effect": "deny"},
		{"note": "pg_stat_activity.pid", "statements": [catalog_read("pg_stat_activity", [{"table": "pg_stat_activity", "name": "pid"}, {"table": null, "name": "state"}])], "effect": "allow"},
		{"note": "pg_roles.rolconfig", "statements": [catalog_read("pg_roles", [{"table": "pg_roles", "name": "rolconfig"}])], "effect": "deny"},
		{"note": "pg_settings.setting", "statements": [catalog_read("pg_settings", [{"table": "pg_settings", "name": "setting"}])], "effect": "deny"},
		{"note": "pg_settings.name", "statements": [catalog_read("pg_settings", [{"table": "pg_settings", "name": "name"}])], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_functions_behind_sensitive_catalogs_are_denied if {
	every c in [{"note": name, "statements": [calls(t.func(name))], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]} |
		some name in ["pg_stat_get_activity", "PG_STAT_GET_BACKEND_ACTIVITY", "pg_stat_statements", "pg_show_all_file_settings", "pg_stat_get_wal_receiver"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_show_of_secret_settings_is_denied if {
	every c in [
		{"note": "SHOW ALL", "statements": [t.stmt("show", {"read_only": true, "detail": {"name": "all"}})], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
		{"note": "SHOW archive_command", "statements": [t.stmt("show", {"read_only": true, "detail": {"name": "Archive_Command"}})], "effect": "deny"},
		{"note": "SHOW statement_timeout", "statements": [t.stmt("show", {"read_only": true, "detail": {"name": "statement_timeout"}})], "effect": "allow"},
		{"note": "SHOW of a custom setting", "statements": [t.stmt("show", {"read_only": true, "detail": {"name": "app.JWT_secret"}})], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
		{"note": "current_setting", "statements": [calls(t.func("current_setting"))], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

catalog_read(name, columns) := t.stmt("select", {"read_only": true, "tables": [t.table(name, "read")], "columns": columns})

test_copy if {
	every c in [
		{"note": "program", "statements": [t.stmt("copy", {"detail": {"direction": "to", "program": true, "filename": "gzip > /tmp/x", "stdio": false}})], "effect": "deny", "rules": ["warden.rules.sql.copy_program"]},
		{"note": "server file", "statements": [t.stmt("copy", {"detail": {"direction": "from", "program": false, "filename": "/etc/passwd", "stdio": false}})], "effect": "deny", "rules": ["warden.rules.sql.copy_file"]},
		{"note": "stdout", "statements": [t.stmt("copy", {"tables": [t.table("users", "read")], "detail": {"direction": "to", "program": false, "filename": null, "stdio": true}})], "effect": "deny", "rules": ["warden.rules.sql.copy"]},
		{"note": "stdin", "statements": [t.stmt("copy", {"tables": [t.table("users", "write")], "detail": {"direction": "from", "program": false, "filename": null, "stdio": true}})], "effect": "deny", "rules": ["warden.rules.sql.copy"]},
		{"note": "unclassified", "statements": [s("copy")], "effect": "deny", "rules": ["warden.rules.sql.copy"]},
		{"note": "stdout for a human", "identity": t.human, "statements": [t.stmt("copy", {"detail": {"stdio": true}})], "effect": "approve"},
		{"note": "stdin for a human on staging", "identity": t.human, "target": t.staging_db, "statements": [t.stmt("copy", {"detail": {"stdio": true}})], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_copy_messages if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("copy", {"tables": [t.table("users", "read")], "detail": {"direction": "to", "stdio": true}})])
	d.reasons[0].message == "statement 1 (copy): copies data to the client (COPY … STDIN/STDOUT) on users; denied for agents on production target prod-db"
	e := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("copy", {"detail": {"direction": "from", "filename": "/etc/passwd"}})])
	e.reasons[0].message == "statement 1 (copy): reads or writes the server file /etc/passwd; denied for agents on production target prod-db"
}

test_information_schema_views_over_secrets_are_denied if {
	table := {"schema": "information_schema", "name": "user_mapping_options", "full_name": "information_schema.user_mapping_options", "access": "read"}
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("select", {"read_only": true, "tables": [table]})])
	d.effect == "deny"
}

# A view over a sensitive catalog: the statement names only the view; its lineage reaches the catalog.
test_views_over_sensitive_catalogs_are_denied if {
	every c in [
		{"note": "srvoptions through a view", "statements": [view_read([{"table": "pg_catalog.pg_foreign_server", "column": "srvoptions"}])], "effect": "deny", "rules": ["warden.rules.sql.sensitive_catalog"]},
		{"note": "pg_authid through a view", "statements": [view_read([{"table": "pg_catalog.pg_authid", "column": "rolname"}])], "effect": "deny"},
		{"note": "pg_stat_activity.query through a view", "statements": [view_read([{"table": "pg_catalog.pg_stat_activity", "column": "query"}])], "effect": "deny"},
		{"note": "a filter on ftoptions through a view", "statements": [object.union(view_read([]), {"predicates": [{"table": "pg_catalog.pg_foreign_table", "column": "ftoptions"}]})], "effect": "deny"},
		{"note": "a safe column of pg_foreign_server through a view", "statements": [view_read([{"table": "pg_catalog.pg_foreign_server", "column": "srvname"}])], "effect": "allow"},
		{"note": "an application table named like a catalog", "statements": [view_read([{"table": "app.pg_authid", "column": "rolname"}])], "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

view_read(sources) := t.stmt("select", {"read_only": true, "tables": [t.table("servers", "read")], "columns": [{"table": null, "name": "*"}], "outputs": [{"name": "*", "lineage": "derived", "sources": sources}]})
