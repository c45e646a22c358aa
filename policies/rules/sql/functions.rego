# What Warden knows about SQL functions. The lists live in data.warden.catalog.sql
# (policies/warden/catalog/sql/data.json), as objects keyed by lower-case name:
#   safe_functions         read-only functions, valued by family (aggregate, math, string, datetime …)
#   side_effect_functions  change state without being dangerous (sequences, advisory locks, NOTIFY)
#   server_file_functions  read or write files on the database server: critical
#   dangerous_functions    signal backends, change server state, sleep, open connections or run SQL
#                          given as text; dangerous_function_prefixes name whole families of them
# A function outside these lists is unknown: calling it needs approval in production. Safe names count
# only unqualified or in pg_catalog; dangerous names count in any schema (extensions such as dblink
# live in public).
package warden.rules.sql

import data.warden.settings

catalog := data.warden.catalog.sql

configured_safe_functions := {lower(f) | some f in settings.current.extra_safe_functions}

builtin_schema(f) if f.schema == null

builtin_schema(f) if lower(f.schema) == "pg_catalog"

server_file_function(name) if catalog.server_file_functions[name]

dangerous_function(name) if catalog.dangerous_functions[name]

# Dangerous families by prefix: dblink*, lo_*, pg_sleep*, the *_to_xml functions that run a query
# given as text (query_to_xml('delete …')), crosstab (tablefunc, runs SQL text) … No safe or
# side-effect name starts with one of them (a test checks), so those skip the prefix scan.
dangerous_function(name) if {
	not catalog.safe_functions[name]
	not catalog.side_effect_functions[name]
	some prefix in catalog.dangerous_function_prefixes
	startswith(name, prefix)
}

known_function(fn) if {
	builtin_schema(fn)
	catalog.safe_functions[lower(fn.name)]
}

known_function(fn) if {
	builtin_schema(fn)
	catalog.side_effect_functions[lower(fn.name)]
}

known_function(fn) if {
	builtin_schema(fn)
	lower(fn.name) in configured_safe_functions
}

known_function(fn) if server_file_function(lower(fn.name))

known_function(fn) if dangerous_function(lower(fn.name))

# System catalogs holding password hashes, credentials, server configuration or sampled values.
sensitive_catalog(t) if {
	catalog.sensitive_catalogs[lower(t.name)]
	builtin_schema(t)
}

# information_schema views over the same secrets (user_mapping_options shows foreign server passwords).
sensitive_catalog(t) if {
	catalog.sensitive_catalogs[lower(t.name)]
	lower(t.schema) == "information_schema"
}

sensitive_catalog(t) if catalog.sensitive_mysql_tables[lower(t.full_name)]
