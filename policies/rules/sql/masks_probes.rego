# Probes of secrets. Where column masking applies, a column masked whole (a redact, hash or null strategy:
# passwords, tokens, keys, SSNs) may come back as it is (masked), be counted or tested for NULL, or be looked up
# by a value the statement gives (`=`, `<>`, IN, `= ANY` of an array the text writes out, not one holding a parameter: that only confirms a value the caller already has).
# Any other use is denied: a filter, join, grouping or ordering on it (LIKE, ranges, functions of it), or a value
# the statement computes from it anywhere (a function, operator, cast or CASE, in the result, a subquery, a CTE or
# EXPLAIN ANALYZE). Though every row that comes back is masked, such a statement's row counts, errors or timing
# give the value away a bit at a time (`WHERE password LIKE 'a%'`, `1/(ascii(password) - 97)`). The normalizer
# lists those columns as `predicates`, marking each one only looked up `lookup`. A partially masked column
# (email, phone, card) keeps such uses: `WHERE email ILIKE '%@example.com'` is everyday work.
package warden.rules.sql

import data.warden.lib

deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some p in s.predicates
	not p.lookup
	whole_masked(p.column)
	msg := concat("", [
		label(i, s), ": column ", lib.text(p, "column"), " is masked whole; a statement may return it as it is, count it,",
		" or look it up by a value it gives (=, IN, IS NULL): filtering, joining, ordering or grouping on it any other way,",
		" or computing on it (a function, operator, cast or CASE), would reveal its value a bit at a time through row",
		" counts, errors or timing",
	])
}

# The same uses of values no mask follows (detail.predicate_unknown) are denied where column masking applies: values
# of a relation not in the catalog (a temporary table, a view without a definition, a function's rows), where a copy
# of a masked column (`CREATE TEMP TABLE t AS SELECT password …`, approved once) answered `SELECT count(*) FROM t AS
# q(z) WHERE z > 'M'` a bit at a time under any name, and a whole json document or composite value, whose values are
# masked only by their keys (`prefs::text LIKE '%wk_live_J%'`, `jsonb_each_text(prefs)`, `prefs->>k`, a jsonpath
# filter). Lookups by a given value (=, IN, IS NULL; a document's keys or containment of a given one) still run.
deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	is_string(s.detail.predicate_unknown)
	msg := concat("", [
		label(i, s), ": filters, orders, groups or computes on values no mask follows (",
		s.detail.predicate_unknown, "), which may hold masked values; its row counts, errors or timing",
		" would reveal such a value a bit at a time; look rows up by a value the statement gives (=, IN, IS NULL) instead",
	])
}

# The strictest strategy of a column's patterns wins (masks.rego): any pattern that masks it whole does.
# `*literal*` patterns are tested by `contains`, which also matches names holding a "." (stricter than glob).
whole_masked(column) if {
	name := lower(column)
	some p in sensitive_patterns
	p.strategy != "partial"
	pattern_matches(p, name)
}

pattern_matches(p, name) if {
	p.infix != ""
	contains(name, p.infix)
}

pattern_matches(p, name) if {
	p.infix == ""
	glob.match(p.glob, [], name)
}

# A partially masked column (a column masked whole is held to lookups above) matched against values not masked as
# strictly: another column's, candidates the statement makes (VALUES, generate_series, a subquery of constants), or
# rows counted by a number computed from it (LIMIT, OFFSET, generate_series' bounds). The rows that come back carry
# the value out in those values: `ascii(substr(email, g, 1)) = n` over two generate_series gives every character of
# every email in one statement. A condition on the column alone, or with values the text gives, stays allowed
# (`email ILIKE '%@example.com'`), as does a join of two stored columns.
deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some p in s.predicates
	rank := name_rank(p.column)
	rank >= 0
	not whole_masked(p.column)
	carrier := unmasked_carrier(p, rank)
	msg := concat("", [
		label(i, s), ": column ", lib.text(p, "column"), " is masked; the statement matches it against ", carrier,
		", and the rows that come back would carry its value out unmasked; compare it only with values written in the statement",
	])
}

unmasked_carrier(p, rank) := "values of rows it makes (VALUES, a function's rows, a subquery) or counts rows by it" if {
	p.against_candidates == true
	rank >= 0
} else := concat("", ["column ", concat(", ", sort(weaker)), ", masked less strictly"]) if {
	weaker := {lib.text(o, "column") | some o in object.get(p, "against", []); name_rank(o.column) < rank}
	count(weaker) > 0
}
