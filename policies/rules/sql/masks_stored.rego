# Masking by origin for what a statement keeps on the server (`stored`, engine/normalize/sql/lineage-stored.ts).
# A masked value written into a column whose name no mask covers (UPDATE t SET note = password, INSERT … SELECT,
# CREATE TABLE AS with renamed columns, MERGE, ON CONFLICT DO UPDATE) comes back unmasked from any later plain
# read of that column; one given to setval, used as an advisory lock key or sent by pg_notify comes back from
# currval, pg_sequences, pg_locks or a listening session (a JSON payload is masked there by its keys only); one a function's body reads goes wherever the function sends it (a trigger setting
# NEW.note, a RAISE, a column default). Where column masking applies such a statement is denied, whoever would
# approve it: a value may move only into a column masked at least as strictly as every masked column it comes
# from. A value Warden cannot trace is treated as masked by the strictest strategy, except inside a function
# body, where the names it cannot resolve are the function's own parameters and variables; a function whose
# body Warden cannot read (SQL built at run time, a language it does not parse) is denied instead. A safe
# derivation (count(x), x IS NULL) keeps nothing of its sources.
package warden.rules.sql

import data.warden.lib

deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some v in s.stored
	not v.safe == true
	not in_function_body_unknown(s, v)
	rank := source_rank(v)
	rank > destination_rank(v)
	msg := concat("", [
		label(i, s), ": keeps ", kept_what(v), " in ", destination(v),
		", where a later read would show them unmasked; masked values may only be written into columns masked as strictly",
	])
}

# A stored value that passes through a function not known to compute only from its arguments (a helper such as
# get_api_key(id), which reads are refused) may be anything that function reads: kept where a later read would
# show it, unless the column is redacted.
deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some v in s.stored
	some f in v.functions
	not value_function(f)
	destination_rank(v) < strategy_rank.redact
	msg := concat("", [
		label(i, s), ": keeps values that pass through ", lib.text({"function": f}, "function"), " in ", destination(v),
		"; that function is not known to compute only from its arguments, so they may be masked values a later read would show unmasked",
	])
}

# A value written into a column the server checks or hands on before keeping it (`checked`: a CHECK constraint, a
# foreign key, a trigger's WHEN, an index expression, a generated column or a partition key reading it, a rule or an
# INSERT, UPDATE or DELETE trigger on the table, a domain CHECK, length limit or user cast in its type, as the catalog tells) is compared, or handed to
# whatever function that code calls, by code the statement does not show: the error (23514, 23503, 22001), the
# partition it lands in or what that code keeps gives the value back, however strictly the column is masked. `CREATE DOMAIN d AS text CHECK (keep(VALUE))` then `INSERT INTO t (password_copy) SELECT password
# …` into a column of type d stored every password in keep's own table.
deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some v in s.stored
	v.checked == true
	not v.safe == true
	not in_function_body_unknown(s, v)
	source_rank(v) >= 0
	msg := concat("", [
		label(i, s), ": writes ", kept_what(v), " into ", destination(v),
		", whose values the server checks or hands on first (a CHECK constraint, foreign key, trigger, index",
		" expression, generated column, partition key, rule, or a domain check or cast in its type) by code the statement",
		" does not show; its errors, or what that code keeps, would reveal them: write masked values only into columns",
		" without such checks",
	])
}

# Inside a function body, untraced names are its parameters and variables (what they may hold is judged
# where the body reads it, below and as `routine` values).
in_function_body_unknown(s, v) if {
	v.lineage == "unknown"
	s.nested.via == "function_body"
}

# The strictest strategy among the value's masked sources; an untraceable value counts as redacted.
source_rank(v) := max(ranks) if {
	not v.lineage == "unknown"
	ranks := {r | some src in v.sources; r := name_rank(src.column)}
	count(ranks) > 0
} else := strategy_rank.redact if {
	v.lineage == "unknown"
	not v.into == "routine"
}

destination_rank(v) := name_rank(v.name) if {
	v.into == "column"
} else := -1

# The strictest strategy of the patterns a column name matches, -1 when none does.
name_rank(name) := max(ranks) if {
	is_string(name)
	ranks := {strategy_rank[p.strategy] | some p in sensitive_patterns; name_matches(lower(name), p)}
	count(ranks) > 0
} else := -1

name_matches(name, p) if {
	p.infix != ""
	contains(name, p.infix)
}

name_matches(name, p) if {
	p.infix == ""
	glob.match(p.glob, [], name)
}

kept_what(v) := concat("", ["values Warden cannot trace (", lib.text(v, "reason"), ")"]) if {
	v.lineage == "unknown"
} else := concat("", ["values of masked column ", concat(", ", sort(masked_sources(v)))])

masked_sources(v) := {name |
	some src in v.sources
	name_rank(src.column) >= 0
	name := concat(".", [lib.text(src, "table"), lib.text(src, "column")])
}

destination(v) := concat("", ["column ", lib.text(v, "name"), " of ", lib.text(v, "table")]) if {
	v.into == "column"
	is_string(v.table)
} else := concat("", ["column ", lib.text(v, "name")]) if {
	v.into == "column"
} else := concat("", ["what function ", lib.text(v, "name"), " hands on (its result, a trigger's row, a RAISE)"]) if {
	v.into == "routine"
} else := concat("", ["an argument of ", lib.text(v, "name"), " (a sequence value, lock key or notification other sessions read)"])

deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "create_function"
	what := unreadable_body(s)
	msg := concat("", [
		label(i, s), ": creates function ", lib.text(s.detail, "name"), " whose body ", what,
		", so what it reads cannot be checked against the column masks",
	])
}

unreadable_body(s) := "builds SQL at run time (EXECUTE)" if {
	s.detail.dynamic_sql == true
} else := "is in a language Warden cannot read" if {
	s.detail.opaque == true
} else := "uses a trigger's whole row (NEW or OLD as a value), every column of its table under no name a mask follows" if {
	s.detail.whole_trigger_row == true
}

# Masks go by column name: renaming a masked column (or a composite type's attribute) to a name masked less
# strictly (password to motto) unmasks every later read of it.
deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "rename"
	s.detail.object_kind in {"column", "attribute"}
	name_rank(s.detail.old_name) > name_rank(s.detail.new_name)
	msg := concat("", [
		label(i, s), ": renames masked ", lib.text(s.detail, "object_kind"), " ", lib.text(s.detail, "old_name"), " to ", lib.text(s.detail, "new_name"),
		", a name masked less strictly, so later reads would show its values unmasked",
	])
}

# Fail closed: a column rename whose old name is not known could be one.
deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "rename"
	s.detail.object_kind in {"column", "attribute"}
	not is_string(s.detail.old_name)
	msg := concat("", [label(i, s), ": renames a ", lib.text(s.detail, "object_kind"), " Warden cannot name, which may be a masked one"])
}

# A trigger's arguments are strings its function reads as it likes; built-in trigger functions take column names
# (tsvector_update_trigger(search, 'pg_catalog.simple', password) writes the password's words into `search` on
# every insert). An argument naming a masked column may copy its values into the row.
deny contains {"rule": "warden.rules.sql.stored", "message": msg} if {
	lib.column_masking
	some i, s in statements
	s.type == "create"
	s.detail.object_kind == "trigger"
	masked := {a | some a in s.detail.arguments; name_rank(a) >= 0}
	count(masked) > 0
	msg := concat("", [
		label(i, s), ": creates a trigger whose function ", lib.text(s.detail, "function"),
		" is given masked column names (", concat(", ", sort(masked)),
		"), whose values it may copy where a later read would show them unmasked",
	])
}

# A value of a column masked whole, copied into a column masked as strictly (password to password): the copy shows
# nothing, but the destination's checks run on it, and whether the write fails answers for every row copied. Those
# the catalog knows (`checked`) are denied above; the column's own length limit (varchar(n)) and an assignment cast
# to a narrower type are not told, so such a copy is held.
findings contains f if {
	lib.column_masking
	some i, s in statements
	some v in s.stored
	v.into == "column"
	not v.safe == true
	not v.lineage == "unknown"
	source_rank(v) == strategy_rank.redact
	destination_rank(v) >= strategy_rank.redact
	msg := concat("", [
		"copies values of a column masked whole into ", destination(v),
		", whose type and constraints may compute on them (whether the write fails would answer for every row)",
	])
	f := finding(i, s, "sensitive", "stored_copy", msg)
}
