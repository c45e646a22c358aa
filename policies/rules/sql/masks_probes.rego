# Probes of secrets. Where column masking applies, a column masked whole (a redact, hash or null strategy:
# passwords, tokens, keys, SSNs) comes back masked, and may be looked up by a value the statement gives
# (`=`, `<>`, IN, `= ANY`, IS NULL: that only confirms a value the caller already has). Any other use is
# denied: a filter, join, grouping or ordering on it (LIKE, ranges, functions of it), or a result the
# statement computes from it (a function, operator, cast or CASE; not count or IS NULL, and not a whole row,
# a generated column or a json key, which carry stored values as they are). Though every row that comes back is masked,
# such a statement's row counts, errors or timing give the value away a bit at a time
# (`WHERE password LIKE 'a%'`, `1/(ascii(password) - 97)`). A partially masked column (email, phone, card)
# keeps such filters: `WHERE email ILIKE '%@example.com'` is everyday work, and its values stay masked.
package warden.rules.sql

import data.warden.lib

deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some p in s.predicates
	not p.lookup
	whole_masked(p.column)
	msg := concat("", [
		label(i, s), ": column ", lib.text(p, "column"), " is masked whole; a statement may compare it only for equality",
		" with a value it gives (=, IN, IS NULL): LIKE, ranges, functions of it, joins, ORDER BY or GROUP BY on it",
		" would reveal its value a bit at a time",
	])
}

deny contains {"rule": "warden.rules.sql.probe", "message": msg} if {
	lib.column_masking
	some i, s in statements
	some o in s.outputs
	o.lineage == "derived"
	o.computed
	not o.safe
	some src in o.sources
	whole_masked(src.column)
	msg := concat("", [
		label(i, s), ": result column ", lib.text(o, "name"), " is computed from column ", lib.text(src, "column"),
		", which is masked whole: the result would come back redacted, and the statement's errors or timing",
		" could reveal the value; select the column itself (it comes back masked) or count it",
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
