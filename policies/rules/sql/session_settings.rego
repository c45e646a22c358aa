# SET / RESET: only ordinary session settings are allowed. Role changes are privilege operations;
# anything else (session_replication_role, log_*, preload libraries …) is dangerous.
package warden.rules.sql

import data.warden.lib
import data.warden.settings

# Ordinary session settings: catalog.safe_settings (data.warden.catalog.sql), plus extra_safe_settings.
configured_safe_settings := {lower(n) | some n in settings.current.extra_safe_settings}

# Settings that may only be switched on: they can tighten a session, never loosen it. row_security is not one of
# them: off never shows a row on hides (a role row-level security applies to gets an error instead, "query would be
# affected by row-level security policy"; a BYPASSRLS role, a superuser or a table's owner reads every row either
# way), and pg_dump sets it off.
on_only_settings := {"default_transaction_read_only", "transaction_read_only"}

on_values := {"on", "true", "yes", "1", "t"}

off_values := {"off", "false", "no", "0", "f"}

# SET TRANSACTION / SESSION CHARACTERISTICS AS TRANSACTION … READ WRITE arrive as one multi-setting
# value, e.g. "transaction_read_only=0, transaction_isolation=serializable".
loosens_read_only(s) if {
	is_string(s.detail.value)
	some part in split(lower(s.detail.value), ",")
	pair := split(trim_space(part), "=")
	pair[0] in on_only_settings
	trim(pair[1], "'\" ") in off_values
}

role_settings := {"role", "session_authorization", "session authorization"}

setting_name(s) := lower(s.detail.name) if {
	is_string(s.detail.name)
} else := "(unnamed)"

on_value(s) if lower(trim(s.detail.value, "'\" ")) in on_values

safe_setting(name) if catalog.safe_settings[name]

safe_setting(name) if name in configured_safe_settings

safe_setting(name) if startswith(name, "enable_")

# Settings that make the planner prefer an index scan to a sequential one. An index scan returns its rows in the
# order of the index's key, and a masked column may be that key (UNIQUE (api_key), UNIQUE (tenant_id, token)): an
# IS NOT NULL test or an equality on the key's leading columns, both allowed, then returns rows ordered, or a LIMIT
# picks the least, by a masked value. Held for approval in production (the class change).
planner_setting(name) if startswith(name, "enable_")

# Every enable_* switch is on by default: switching one on steers nothing.
switched_on(name, s) if {
	startswith(name, "enable_")
	on_value(s)
}

planner_setting(name) if name in {
	"seq_page_cost", "random_page_cost", "cpu_tuple_cost", "cpu_index_tuple_cost", "cpu_operator_cost",
	"effective_cache_size", "cursor_tuple_fraction",
}

# RESET ALL returns every setting to its default.
reset_all(s) if s.detail.kind == "VAR_RESET_ALL"

# pg_catalog is searched first unless the path names it: named after another schema, that schema's functions
# shadow the built-ins (`lower`, `upper` …) the function allowlist trusts by name. Whether the path names
# pg_catalog is read loosely (any case, spaces, quotes); whether it comes first is read exactly: a quoted
# "PG_CATALOG" or " pg_catalog" is another schema, which a user may create.
shadows_catalog(s) := first if {
	is_string(s.detail.value)
	schemas := [trim(trim_space(p), "'\"") | some p in split(lower(s.detail.value), ",")]
	"pg_catalog" in schemas
	first := first_schema(s)
	first != "pg_catalog"
}

# The first element of the path exactly as the server reads it: the first argument when the normalizer lists them.
first_schema(s) := s.detail.values[0] if {
	is_array(s.detail.values)
	count(s.detail.values) > 0
} else := split(s.detail.value, ",")[0]

# `SET search_path = ''` (pg_dump's first statement, as set_config) leaves pg_catalog alone on the path: built-ins
# can no longer be shadowed, and the gateway then resolves schema-qualified names only (unqualified ones have no
# known lineage), so it narrows what a session reads and steers nothing.
empty_search_path(s) if {
	setting_name(s) == "search_path"
	s.detail.kind == "VAR_SET_VALUE"
	s.detail.values == [""]
}

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
	loosens_read_only(s)
	f := {"class": "dangerous", "rule": "warden.rules.sql.setting", "message": "READ WRITE lifts a read-only transaction default"}
} else := f if {
	not reset_all(s)
	setting_name(s) == "search_path"
	schema := shadows_catalog(s)
	msg := concat("", ["search_path puts ", schema, " before pg_catalog: functions there would run in place of built-ins Warden treats as safe"])
	f := {"class": "dangerous", "rule": "warden.rules.sql.search_path", "message": msg}
} else := f if {
	not reset_all(s)
	setting_name(s) == "search_path"
	not empty_search_path(s)
	msg := "search_path changes which schemas unqualified tables and functions resolve to"
	f := {"class": "change", "rule": "warden.rules.sql.search_path", "message": msg}
} else := f if {
	not reset_all(s)
	name := setting_name(s)
	memory_bound_text[name]
	not within_memory_bound(s, name)
	msg := concat("", [
		upper(s.type), " ", name, " = ", lib.text(s.detail, "value"), " lets one session take more than ", memory_bound_text[name],
		" of the server's memory, which every session shares (a large sort or hash could exhaust it)",
	])
	f := {"class": "change", "rule": "warden.rules.sql.resource_setting", "message": msg}
} else := f if {
	not reset_all(s)
	name := setting_name(s)
	planner_setting(name)
	not s.detail.kind in {"VAR_SET_DEFAULT", "VAR_RESET"}
	not switched_on(name, s)
	msg := concat("", [
		upper(s.type), " ", name, " steers the planner to index scans, whose rows come back in the order of the index's key,",
		" a masked column's too (`WHERE api_key IS NOT NULL LIMIT 1` then returns the row with the least key), as ORDER BY on it would",
	])
	f := {"class": "change", "rule": "warden.rules.sql.planner_setting", "message": msg}
} else := f if {
	not reset_all(s)
	name := setting_name(s)
	not safe_setting(name)
	not empty_search_path(s)
	msg := concat("", [upper(s.type), " ", name, " is not an ordinary session setting"])
	f := {"class": "dangerous", "rule": "warden.rules.sql.setting", "message": msg}
}

# BEGIN / START TRANSACTION … READ WRITE lifts a read-only default for one transaction.
findings contains f if {
	some i, s in statements
	s.type == "begin"
	read_only := s.detail.options.transaction_read_only
	is_string(read_only)
	lower(read_only) in off_values
	f := finding(i, s, "dangerous", "setting", "READ WRITE lifts a read-only transaction default")
}

# Memory a session may ask for without approval: the setting's unit when written without one, in kB (temp_buffers
# counts 8 kB pages), and the bound, 256 MB each; hash_mem_multiplier (a factor of work_mem) up to 4.
memory_setting_kb := {"work_mem": 1, "maintenance_work_mem": 1, "logical_decoding_work_mem": 1, "temp_buffers": 8}

memory_bound_kb := 262144

memory_bound_text := {"work_mem": "256 MB", "maintenance_work_mem": "256 MB", "logical_decoding_work_mem": "256 MB", "temp_buffers": "256 MB", "hash_mem_multiplier": "4 × work_mem"}

memory_units_kb := {"": 0, "b": -1, "kb": 1, "mb": 1024, "gb": 1048576, "tb": 1073741824}

within_memory_bound(s, _) if s.detail.kind in {"VAR_SET_DEFAULT", "VAR_RESET"}

within_memory_bound(s, name) if {
	name != "hash_mem_multiplier"
	text := lower(trim(trim_space(s.detail.value), "'\" "))
	parts := regex.find_all_string_submatch_n(`^([0-9]+)\s*([a-z]*)$`, text, 1)
	count(parts) == 1
	unit := memory_units_kb[parts[0][2]]
	amount := to_number(parts[0][1])
	kb := memory_kb(amount, unit, memory_setting_kb[name])
	kb <= memory_bound_kb
}

within_memory_bound(s, "hash_mem_multiplier") if {
	text := trim(trim_space(s.detail.value), "'\" ")
	regex.match(`^[0-9]+(\.[0-9]+)?$`, text)
	to_number(text) <= 4
}

# An amount in kB: without a unit in the setting's own unit, in bytes rounded up.
memory_kb(amount, 0, base) := amount * base

memory_kb(amount, -1, _) := ceil(amount / 1024)

memory_kb(amount, unit, _) := amount * unit if unit > 0
