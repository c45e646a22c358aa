# Masking by origin needs every result column's origin. Where column masking applies, a result column
# is denied when Warden cannot tell where its values come from (lineage "unknown": a relation the
# catalog does not know, a function in FROM, a cursor declared elsewhere …), or when its value passes
# through a function not known to compute only from its arguments: such a function (a user function,
# `u.f` attribute notation, a cast to a user type) may read any table and return masked data under a
# name no mask matches. The normalizer fills `outputs` (engine/normalize/sql/lineage.ts).
package warden.rules.sql

import data.warden.lib

deny contains {"rule": "warden.rules.sql.lineage", "message": msg} if {
	lib.column_masking
	some i, s in statements
	not cursor_judged_earlier(s)
	some o in s.outputs
	o.lineage == "unknown"
	msg := concat("", [
		label(i, s), ": result column ", lib.text(o, "name"),
		" comes from a source Warden cannot trace (", lib.text(o, "reason"),
		"), so its values cannot be masked; select the table's columns directly",
	])
}

deny contains {"rule": "warden.rules.sql.lineage", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some o in s.outputs
	some f in o.functions
	not value_function(f)
	msg := concat("", [
		label(i, s), ": result column ", lib.text(o, "name"), " passes through ", lib.text({"function": f}, "function"),
		", which is not known to compute only from its arguments, so its values cannot be masked;",
		" select the table's columns directly or use built-in functions",
	])
}

# A condition matching rows the statement makes against a function's result (`WHERE n = f(1)` over
# generate_series), or a number of rows computed by one (LIMIT f(1)): a function not known to compute only from its
# arguments may return a masked value, which the rows that come back then carry out unmasked.
deny contains {"rule": "warden.rules.sql.lineage", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some f in object.get(s, ["detail", "matched_calls"], [])
	not value_function(f)
	msg := concat("", [
		label(i, s), ": the statement matches rows it makes against ", lib.text({"function": f}, "function"),
		", or counts rows by it, which is not known to compute only from its arguments: it may return masked values",
		" the rows that come back would carry out unmasked",
	])
}

# EXPLAIN prints the plan's constants, and the planner computes a call of an immutable function with constant
# arguments into one: `EXPLAIN SELECT id FROM users WHERE name = f()` shows what f returned, a masked value it may
# have read. EXPLAIN's rows are the server's text about the plan, not column values, so such a call is denied in
# any statement it explains.
deny contains {"rule": "warden.rules.sql.lineage", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "explain"

	# The explained statement's calls are the EXPLAIN's own, or those of statements nested in it (EXPLAIN ANALYZE).
	some j in graph.reachable(explained_children, {i})
	some f in statements[j].functions
	not value_function(f.full_name)
	msg := concat("", [
		label(i, s), ": explains a call of ", lib.text({"function": f.full_name}, "function"),
		", which is not known to compute only from its arguments: the plan it prints may hold a value it returned",
	])
}

# EXPLAIN prints the sizes of the rows its plan carries: each node's estimated width unless COSTS is off (from the
# column statistics: the average length of a column's values, exact for a table of one row), and with ANALYZE the
# memory a sort, hash or aggregate took (a row repeated 2,000 times and sorted gives its length). Where column masking
# applies, a plan carrying a column masked whole, or values Warden cannot trace, is explained with COSTS OFF and
# without ANALYZE only. The normalizer lists what the plan carries (detail.plan_columns, plan_unknown).
deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "explain"
	s.detail.prints_sizes == true
	carried := plan_carries(s)
	msg := concat("", [
		label(i, s), ": EXPLAIN prints the sizes of the rows its plan carries (width=, and with ANALYZE the memory a",
		" sort or hash of them took), which measure the values of ", carried,
		"; run EXPLAIN (COSTS OFF) without ANALYZE, or explain the statement without that column",
	])
}

plan_carries(s) := concat("", ["masked column ", concat(", ", sort(names))]) if {
	names := {lib.text(c, "column") | some c in object.get(s.detail, "plan_columns", []); whole_masked(c.column)}
	count(names) > 0
} else := concat("", ["a source Warden cannot trace (", s.detail.plan_unknown, ")"]) if {
	is_string(s.detail.plan_unknown)
}

# Statement index -> indexes of the statements nested directly in it.
explained_children[i] := [j | some j, n in statements; n.nested.parent_index == i] if some i, _ in statements

# FETCH from a cursor declared in an earlier command: its rows were judged, lineage included, at that
# DECLARE (whose entry carries the cursor's outputs), and the gateway carries the DECLARE's masks to
# every FETCH. A cursor a function opened was judged at that call (an unknown function is denied above).
cursor_judged_earlier(s) if {
	s.type == "fetch"
	s.detail.cursor_declared == false
}

# Functions whose result depends only on their arguments (and server state, never table data): the
# safe list and side-effect functions (sequences, locks, NOTIFY), unqualified or in pg_catalog, and
# the configured extra_safe_functions. Names arrive as written: `name` or `schema.name`.
value_function(name) if {
	fn := function_of(name)
	builtin_schema(fn)
	value_function_name(safe_list_name(fn.name))
}

value_function_name(name) if catalog.safe_functions[name]

value_function_name(name) if catalog.side_effect_functions[name]

value_function_name(name) if name in configured_safe_functions

function_of(name) := {"schema": schema, "name": last} if {
	is_string(name)
	parts := split(name, ".")
	last := parts[count(parts) - 1]
	schema := qualifier(array.slice(parts, 0, count(parts) - 1))
}

qualifier(parts) := null if {
	count(parts) == 0
} else := concat(".", parts)
