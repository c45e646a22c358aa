# Findings from what a statement calls or touches: functions, sensitive catalogs, COPY targets.
package warden.rules.sql

import data.warden.lib

findings contains f if {
	some i, s in statements
	some fn in s.functions
	name := lower(fn.name)
	server_file_function(name)
	msg := concat("", ["calls ", name, ", which reads or writes files on the database server"])
	f := finding(i, s, "critical", "server_files", msg)
}

findings contains f if {
	some i, s in statements
	some fn in s.functions
	name := lower(fn.name)
	dangerous_function(name)
	not server_file_function(name)
	msg := concat("", [
		"calls ", name,
		", which can signal backends, change server state, open connections or run SQL given as text",
	])
	f := finding(i, s, "dangerous", "dangerous_function", msg)
}

findings contains f if {
	some i, s in statements
	some fn in s.functions
	name := lower(fn.name)
	catalog.side_effect_functions[name]
	builtin_schema(fn)
	msg := concat("", ["calls ", name, ", which changes state"])
	f := finding(i, s, "change", "side_effect", msg)
}

findings contains f if {
	some i, s in statements
	some fn in s.functions
	not known_function(fn)
	msg := concat("", ["calls ", lib.text(fn, "full_name"), ", which is not on the known-safe function list"])
	f := finding(i, s, "change", "unknown_function", msg)
}

# A cast to a type outside pg_catalog runs that type's code on the value: a domain's CHECK may call any function
# (one that writes, or reads a secret), which the statement does not name. Judged as a call of an unknown function,
# unless extra_safe_functions names the type (an extension's type such as vector), as masks_lineage reads it.
findings contains f if {
	some i, s in statements
	some type in object.get(s.detail, "user_type_casts", [])
	not lower(type) in configured_safe_functions
	msg := concat("", ["casts to ", type, ", a type outside pg_catalog whose code (a domain's CHECK) may call any function"])
	f := finding(i, s, "change", "user_type_cast", msg)
}

findings contains f if {
	some i, s in statements
	some t in s.tables
	why := sensitive_catalog(s, t)
	msg := concat("", ["reads ", t.full_name, ", which exposes ", why])
	f := finding(i, s, "dangerous", "sensitive_catalog", msg)
}

# A view over a sensitive catalog (CREATE VIEW servers AS SELECT srvname, srvoptions FROM pg_foreign_server) passes
# its values on under the view's name: a result column or a filter whose lineage reaches a sensitive catalog (an
# unsafe column of one that is sensitive in a few columns) reads it, whatever the statement names. Detectors that
# see `password=…` in the array as a whole do not see it once split (pg_options_to_table, split_part).
findings contains f if {
	some i, s in statements
	some src in lineage_sources(s)
	[schema, name] := source_relation(src)
	not read_directly(s, name)
	why := sensitive_source(schema, name, src.column)
	msg := concat("", ["reads ", schema, ".", name, " through a view, which exposes ", why])
	f := finding(i, s, "dangerous", "sensitive_catalog", msg)
}

findings contains f if {
	some i, s in statements
	some fn in s.functions
	why := sensitive_function(fn)
	msg := concat("", ["calls ", lib.text(fn, "full_name"), ", which exposes ", why])
	f := finding(i, s, "dangerous", "sensitive_catalog", msg)
}

# SHOW of a setting whose value may hold credentials, or of all of them (pg_settings' values, column by column).
findings contains f if {
	some i, s in statements
	s.type == "show"
	why := catalog.secret_settings[lower(s.detail.name)]
	msg := concat("", ["shows ", lower(s.detail.name), ", which exposes ", why])
	f := finding(i, s, "dangerous", "sensitive_catalog", msg)
}

# SHOW of a custom (dotted) setting: applications keep secrets there (ALTER ROLE … SET app.jwt_secret).
findings contains f if {
	some i, s in statements
	s.type == "show"
	name := lower(lib.text(s.detail, "name"))
	contains(name, ".")
	msg := concat("", ["shows ", name, ", a custom setting, where applications keep secrets"])
	f := finding(i, s, "dangerous", "sensitive_catalog", msg)
}

# ---- COPY ----

findings contains f if {
	some i, s in statements
	s.type == "copy"
	s.detail.program == true
	f := finding(i, s, "critical", "copy_program", "runs a shell command on the database server (COPY … PROGRAM)")
}

findings contains f if {
	some i, s in statements
	s.type == "copy"
	not s.detail.program == true
	is_string(s.detail.filename)
	s.detail.filename != ""
	msg := concat("", ["reads or writes the server file ", s.detail.filename])
	f := finding(i, s, "critical", "copy_file", msg)
}

findings contains f if {
	some i, s in statements
	s.type == "copy"
	not s.detail.program == true
	not server_file(s)
	s.detail.stdio == true
	msg := concat("", [
		"copies data ", direction(s), " the client (COPY … STDIN/STDOUT)",
		on_tables(s, "write"), on_tables(s, "read"),
	])
	f := finding(i, s, "agent_forbidden", "copy", msg)
}

findings contains f if {
	some i, s in statements
	s.type == "copy"
	not s.detail.program == true
	not server_file(s)
	not s.detail.stdio == true
	f := finding(i, s, "dangerous", "copy", "is a COPY Warden could not classify")
}

server_file(s) if {
	is_string(s.detail.filename)
	s.detail.filename != ""
}

direction(s) := "from" if {
	s.detail.direction == "from"
} else := "to"
