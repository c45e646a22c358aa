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

# The name a safe list is matched with: names arrive as PostgreSQL resolves them (unquoted ones folded to lower
# case, MySQL's always lower case), so one with an upper-case letter was quoted ("COUNT"(x)) and calls a function
# of that exact name, never the built-in. Only the dangerous lists match whatever the case (that fails closed).
safe_list_name(name) := name if name == lower(name)

known_function(fn) if {
	builtin_schema(fn)
	catalog.safe_functions[safe_list_name(fn.name)]
}

known_function(fn) if {
	builtin_schema(fn)
	catalog.side_effect_functions[safe_list_name(fn.name)]
}

known_function(fn) if {
	builtin_schema(fn)
	safe_list_name(fn.name) in configured_safe_functions
}

known_function(fn) if server_file_function(lower(fn.name))

known_function(fn) if dangerous_function(lower(fn.name))

known_function(fn) if sensitive_function(fn)

# Catalogs that expose what an agent must not read: password hashes and credentials, other sessions'
# statement text, column statistics (sampled values), server files and settings. Matched unqualified, in
# pg_catalog or information_schema (or, for extension views such as pg_stat_statements, in any schema);
# an application table that only shares a name is not a catalog. Judged harmless and left readable:
# pg_locks and pg_prepared_xacts (no statement text), pg_stat_replication (no connection string).
catalog_schema(t) if builtin_schema(t)

catalog_schema(t) if lower(t.schema) == "information_schema"

catalog_schema(t) if catalog.extension_catalogs[lower(t.name)]

# What reading table t in statement s exposes; undefined when it exposes nothing sensitive.
sensitive_catalog(_, t) := catalog.sensitive_catalogs[lower(t.name)] if catalog_schema(t)

sensitive_catalog(_, t) := catalog.sensitive_mysql_tables[lower(t.full_name)]

# Some catalogs are sensitive in a few columns only (pg_stat_activity.query, pg_roles.rolconfig …): a
# statement reads them when it names a column outside the view's safe list, a star, or the whole row.
sensitive_catalog(s, t) := spec.why if {
	catalog_schema(t)
	spec := catalog.sensitive_catalog_columns[lower(t.name)]
	some c in s.columns
	reads_unsafe_column(c, t, spec)
}

reads_unsafe_column(c, t, spec) if {
	is_string(c.table)
	lower(c.table) in {lower(t.full_name), lower(t.name)}
	not lower(c.name) in spec.safe
}

# An alias column list (FROM pg_stat_activity AS a(x, y, pid)) renames the view's columns: a safe name as
# written may then be any column, so the names cannot be trusted.
sensitive_catalog(s, t) := spec.why if {
	catalog_schema(t)
	spec := catalog.sensitive_catalog_columns[lower(t.name)]
	some name in s.detail.renamed_relations
	lower(name) == lower(t.name)
}

# Unqualified columns with several tables in FROM: a star, a whole-row reference by the view's name, or any
# name the view has that is not on its safe list.
reads_unsafe_column(c, t, _) if {
	not qualified_column(c)
	lower(c.name) in {"*", lower(t.name)}
}

reads_unsafe_column(c, _, spec) if {
	not qualified_column(c)
	lower(c.name) in spec.unsafe
}

# The columns a statement's results and filters come from, as its lineage traces them (through views).
lineage_sources(s) := {src | some o in object.get(s, "outputs", []); some src in o.sources} | {src | some src in object.get(s, "predicates", [])}

# [schema, name] of a lineage source's relation ("pg_catalog.pg_foreign_server"), lower case.
source_relation(src) := [lower(parts[0]), lower(parts[1])] if {
	is_string(src.table)
	parts := split(src.table, ".")
	count(parts) == 2
}

# The statement names that catalog and reads what it exposes: reported once, as a read of it.
read_directly(s, name) if {
	some t in s.tables
	lower(t.name) == name
	sensitive_catalog(s, t)
}

sensitive_source(schema, name, _) := catalog.sensitive_catalogs[name] if catalog_schema({"schema": schema, "name": name})

sensitive_source(schema, name, column) := spec.why if {
	catalog_schema({"schema": schema, "name": name})
	spec := catalog.sensitive_catalog_columns[name]
	not lower(column) in spec.safe
}

# A helper, not `not is_string(c.table)`: with the key absent that expression is undefined, not true.
qualified_column(c) if is_string(c.table)

# Functions behind those views (pg_stat_get_activity …), in any schema.
sensitive_function(fn) := catalog.sensitive_catalog_functions[lower(fn.name)]
