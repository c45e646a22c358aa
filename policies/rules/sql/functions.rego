# What Warden knows about SQL functions. A function outside these lists is unknown: calling it needs
# approval in production. Safe names count only unqualified or in pg_catalog; dangerous names count
# in any schema (extensions such as dblink live in public).
package warden.rules.sql

import data.warden.settings

# Read server files or write them: critical (denied even for break-glass humans, who need approval).
server_file_functions := {
	"pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_file_write",
	"pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_logdir_ls", "pg_ls_logdir",
	"pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir",
	"pg_ls_logicalmapdir", "pg_ls_replslotdir", "lo_import", "lo_export",
	"load_file", # MySQL
}

# Signal backends, change server state, sleep, open connections or run SQL given as text.
dangerous_functions := {
	"pg_terminate_backend", "pg_cancel_backend", "pg_signal_backend", "pg_reload_conf",
	"pg_rotate_logfile", "set_config", "pg_switch_wal", "pg_switch_xlog", "pg_create_restore_point",
	"pg_start_backup", "pg_stop_backup", "pg_backup_start", "pg_backup_stop", "pg_promote",
	"pg_wal_replay_pause", "pg_wal_replay_resume", "pg_create_physical_replication_slot",
	"pg_create_logical_replication_slot", "pg_drop_replication_slot", "pg_replication_slot_advance",
	"pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
	"pg_logical_slot_get_changes", "pg_logical_slot_peek_changes", "pg_logical_slot_get_binary_changes",
	"pg_logical_slot_peek_binary_changes", "pg_logical_emit_message", "pg_log_backend_memory_contexts",
	"pg_import_system_collations", "loread", "lowrite", "ts_stat", "connectby",
	"sleep", "benchmark", "sys_exec", "sys_eval", # MySQL
}

# Name prefixes of dangerous families: dblink*, lo_*, pg_sleep*, the *_to_xml functions that run a
# query given as text (query_to_xml('delete …')), crosstab (tablefunc, runs SQL text) …
dangerous_prefixes := [
	"dblink", "lo_", "pg_sleep", "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml",
	"database_to_xml", "crosstab", "pg_stat_reset", "pg_replication_origin_", "binary_upgrade_",
]

# Change state without being dangerous: treated like a write.
side_effect_functions := {
	"nextval", "setval", "pg_notify", "pg_advisory_lock", "pg_advisory_lock_shared",
	"pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_lock",
	"pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
	"pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
}

safe_aggregates := {
	"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
	"json_object_agg", "jsonb_object_agg", "xmlagg", "bool_and", "bool_or", "every", "bit_and",
	"bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
	"corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept",
	"regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "percentile_cont", "percentile_disc",
	"mode", "rank", "dense_rank", "row_number", "ntile", "lag", "lead", "first_value", "last_value",
	"nth_value", "cume_dist", "percent_rank", "grouping", "range_agg", "range_intersect_agg",
	"group_concat", # MySQL
}

safe_math := {
	"abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "sqrt", "cbrt", "power", "pow",
	"exp", "ln", "log", "log10", "mod", "div", "pi", "degrees", "radians", "sin", "cos", "tan",
	"cot", "asin", "acos", "atan", "atan2", "sind", "cosd", "tand", "sinh", "cosh", "tanh",
	"greatest", "least", "random", "width_bucket", "gcd", "lcm", "factorial", "scale",
	"min_scale", "trim_scale", "numeric", "int2", "int4", "int8", "float4", "float8",
}

safe_strings := {
	"lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length",
	"bit_length", "substr", "substring", "position", "strpos", "trim", "btrim", "ltrim", "rtrim",
	"lpad", "rpad", "replace", "translate", "concat", "concat_ws", "left", "right", "reverse",
	"repeat", "split_part", "string_to_array", "array_to_string", "regexp_replace",
	"regexp_match", "regexp_matches", "regexp_split_to_array", "regexp_split_to_table",
	"regexp_count", "regexp_instr", "regexp_like", "regexp_substr", "format", "quote_ident",
	"quote_literal", "quote_nullable", "md5", "sha224", "sha256", "sha384", "sha512", "encode",
	"decode", "to_hex", "ascii", "chr", "starts_with", "normalize", "is_normalized", "overlay",
	"unistr", "convert_from", "convert_to", "text", "string_to_table", "to_ascii", "like_escape",
	"similar_to_escape", "ifnull", "if", "locate", "instr", "ucase", "lcase", "now", # MySQL
	"xpath", "xpath_exists", "xmlparse", "xmlserialize", "xmlelement", "xmlforest",
	"xmlconcat", "xml_is_well_formed", "texticregexeq", "textregexeq",
}

safe_datetime := {
	"now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
	"date_trunc", "date_part", "extract", "age", "make_date", "make_time", "make_timestamp",
	"make_timestamptz", "make_interval", "to_timestamp", "to_date", "to_char", "to_number",
	"justify_days", "justify_hours", "justify_interval", "isfinite", "date_bin", "timezone",
	"overlaps", "date", "time", "timestamp", "timestamptz", "interval",
	"date_format", "datediff", "date_add", "date_sub", "curdate", "unix_timestamp", # MySQL
}

safe_json := {
	"to_json", "to_jsonb", "row_to_json", "array_to_json", "json_build_object",
	"jsonb_build_object", "json_build_array", "jsonb_build_array", "json_object", "jsonb_object",
	"json_array_length", "jsonb_array_length", "json_each", "jsonb_each", "json_each_text",
	"jsonb_each_text", "json_extract_path", "jsonb_extract_path", "json_extract_path_text",
	"jsonb_extract_path_text", "json_object_keys", "jsonb_object_keys", "json_array_elements",
	"jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
	"json_typeof", "jsonb_typeof", "jsonb_set", "jsonb_set_lax", "jsonb_insert",
	"json_strip_nulls", "jsonb_strip_nulls", "jsonb_pretty", "jsonb_path_query",
	"jsonb_path_query_array", "jsonb_path_query_first", "jsonb_path_exists", "jsonb_path_match",
	"json_populate_record", "jsonb_populate_record", "json_populate_recordset",
	"jsonb_populate_recordset", "json_to_record", "jsonb_to_record", "json_to_recordset",
	"jsonb_to_recordset", "json_extract", "json_unquote", # MySQL
}

safe_arrays := {
	"array_length", "array_lower", "array_upper", "cardinality", "array_append", "array_prepend",
	"array_cat", "array_position", "array_positions", "array_remove", "array_replace", "unnest",
	"array_dims", "array_ndims", "array_fill", "generate_series", "generate_subscripts",
	"trim_array", "coalesce", "nullif", "row", "isempty", "lower_inc", "upper_inc", "range_merge",
	"int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
}

# Introspection that reads the catalog or session state and changes nothing.
safe_info := {
	"current_setting", "version", "current_database", "current_schema", "current_schemas",
	"current_user", "session_user", "current_role", "user", "pg_backend_pid", "pg_typeof",
	"format_type", "pg_size_pretty", "pg_size_bytes", "pg_relation_size", "pg_total_relation_size",
	"pg_table_size", "pg_indexes_size", "pg_database_size", "pg_column_size", "pg_get_viewdef",
	"pg_get_indexdef", "pg_get_constraintdef", "pg_get_functiondef", "pg_get_function_arguments",
	"pg_get_function_result", "pg_get_triggerdef", "pg_get_expr", "pg_get_serial_sequence",
	"pg_get_userbyid", "pg_get_keywords", "obj_description", "col_description",
	"shobj_description", "has_table_privilege", "has_schema_privilege", "has_column_privilege",
	"has_database_privilege", "has_function_privilege", "has_sequence_privilege",
	"pg_has_role", "pg_is_in_recovery", "pg_postmaster_start_time", "pg_conf_load_time",
	"pg_current_wal_lsn", "pg_last_xact_replay_timestamp", "pg_table_is_visible",
	"pg_type_is_visible", "pg_function_is_visible", "pg_encoding_to_char", "pg_collation_for",
	"pg_relation_filenode", "pg_tablespace_location", "pg_blocking_pids", "txid_current_snapshot",
	"pg_current_snapshot", "txid_current", "pg_current_xact_id", "to_regclass", "to_regproc",
	"to_regtype", "to_regnamespace",
	"gen_random_uuid", "uuid_generate_v4", "inet_client_addr", "inet_server_addr",
	"host", "hostmask", "masklen", "netmask", "network", "inet", "cidr", "family", "abbrev",
	"to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
	"ts_rank", "ts_rank_cd", "ts_headline", "setweight", "numnode", "querytree",
	"database", "found_rows", "last_insert_id", # MySQL
}

safe_functions := builtin_safe_functions | configured_safe_functions

builtin_safe_functions := {f |
	some group in [safe_aggregates, safe_math, safe_strings, safe_datetime, safe_json, safe_arrays, safe_info]
	some f in group
}

configured_safe_functions := {lower(f) | some f in settings.current.extra_safe_functions}

builtin_schema(f) if f.schema == null

builtin_schema(f) if lower(f.schema) == "pg_catalog"

dangerous_function(name) if name in dangerous_functions

dangerous_function(name) if {
	some prefix in dangerous_prefixes
	startswith(name, prefix)
}

# System catalogs holding password hashes, credentials, server configuration or sampled values.
sensitive_catalogs := {
	"pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings", "pg_largeobject",
	"pg_largeobject_metadata", "pg_hba_file_rules", "pg_ident_file_mappings", "pg_file_settings",
	"pg_statistic", "pg_statistic_ext_data",
}

sensitive_catalog(t) if {
	lower(t.name) in sensitive_catalogs
	builtin_schema(t)
}

sensitive_catalog(t) if lower(t.full_name) in {"mysql.user", "mysql.db", "mysql.global_priv"}
