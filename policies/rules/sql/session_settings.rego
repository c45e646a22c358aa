# SET / RESET: only ordinary session settings are allowed. Role changes are privilege operations;
# anything else (session_replication_role, log_*, preload libraries …) is dangerous.
package warden.rules.sql

import data.warden.settings

safe_settings := {
	"application_name", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
	"idle_session_timeout", "search_path", "timezone", "time zone", "datestyle", "intervalstyle",
	"extra_float_digits", "client_encoding", "client_min_messages", "bytea_output",
	"standard_conforming_strings", "work_mem", "hash_mem_multiplier", "maintenance_work_mem",
	"temp_buffers", "default_transaction_isolation", "transaction_isolation",
	"default_transaction_deferrable", "transaction_deferrable", "default_transaction_read_only",
	"transaction_read_only", "row_security", "xmloption", "xmlbinary", "lc_monetary", "lc_numeric",
	"lc_time", "default_text_search_config", "seed", "array_nulls", "quote_all_identifiers",
	"gin_fuzzy_search_limit", "jit", "random_page_cost", "seq_page_cost", "cpu_tuple_cost",
	"cpu_index_tuple_cost", "cpu_operator_cost", "effective_cache_size", "effective_io_concurrency",
	"from_collapse_limit", "join_collapse_limit", "geqo", "plan_cache_mode",
	"max_parallel_workers_per_gather", "parallel_setup_cost", "parallel_tuple_cost",
	"constraint_exclusion", "cursor_tuple_fraction", "default_statistics_target",
	# SET TRANSACTION … / SET SESSION CHARACTERISTICS AS TRANSACTION …
	"transaction", "session characteristics", "transaction snapshot",
	# MySQL
	"names", "character set", "sql_mode", "time_zone", "autocommit", "max_execution_time",
	"database",
} | {lower(n) | some n in settings.current.extra_safe_settings}

# Settings that may only be switched on: they can tighten a session, never loosen it.
on_only_settings := {"default_transaction_read_only", "transaction_read_only", "row_security"}

on_values := {"on", "true", "yes", "1", "t"}

role_settings := {"role", "session_authorization", "session authorization"}

setting_name(s) := lower(s.detail.name) if {
	is_string(s.detail.name)
} else := "(unnamed)"

on_value(s) if lower(trim(s.detail.value, "'\" ")) in on_values

safe_setting(name) if name in safe_settings

safe_setting(name) if startswith(name, "enable_")

# RESET ALL returns every setting to its default.
reset_all(s) if s.detail.kind == "VAR_RESET_ALL"

reset_all(s) if {
	s.type == "reset"
	not named(s)
}

named(s) if is_string(s.detail.name)

# The finding a SET / RESET statement raises, undefined when it is an ordinary setting.
setting_finding(s) := f if {
	not reset_all(s)
	name := setting_name(s)
	name in role_settings
	msg := concat("", [upper(s.type), " ", name, " changes the role statements run as"])
	f := {"class": "privilege", "rule": "warden.rules.sql.role", "message": msg}
} else := f if {
	not reset_all(s)
	name := setting_name(s)
	name in on_only_settings
	not on_value(s)
	msg := concat("", [name, " may only be switched on"])
	f := {"class": "dangerous", "rule": "warden.rules.sql.setting", "message": msg}
} else := f if {
	not reset_all(s)
	name := setting_name(s)
	not safe_setting(name)
	msg := concat("", [upper(s.type), " ", name, " is not an ordinary session setting"])
	f := {"class": "dangerous", "rule": "warden.rules.sql.setting", "message": msg}
}
