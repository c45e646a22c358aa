# Masking for SQL results. Where column masking applies (production, not break-glass) every
# sensitive_columns pattern becomes a column mask, and each referenced column matching one becomes an
# exact-name mask too, with a note on the decision; content detectors apply where content masking does.
package warden.rules.sql

import data.warden.lib
import data.warden.settings

sensitive_patterns contains p if {
	some p in settings.current.sensitive_columns
	is_string(p.pattern)
	p.pattern != ""
}

strategy_of(p) := p.strategy if {
	p.strategy in {"redact", "partial", "hash", "null"}
} else := "redact"

# The strictest of several strategies wins when a column matches more than one pattern.
strategy_rank := {"partial": 0, "hash": 1, "null": 2, "redact": 3}

rank_strategy := ["partial", "hash", "null", "redact"]

has_statements if count(statements) > 0

mask contains {"column": p.pattern, "strategy": strategy_of(p), "rule": "warden.rules.sql.pii"} if {
	has_statements
	lib.column_masking
	some p in sensitive_patterns
}

mask contains {"detector": d, "rule": "warden.rules.sql.content"} if {
	has_statements
	lib.content_masking
	some d in settings.current.content_detectors
}

referenced_columns contains lower(c.name) if {
	some s in statements
	some c in s.columns
	is_string(c.name)
	not contains(c.name, "*")
}

matching_patterns(name) := {p | some p in sensitive_patterns; glob.match(lower(p.pattern), [], name)}

mask contains {"column": name, "strategy": rank_strategy[max(ranks)], "rule": "warden.rules.sql.pii"} if {
	lib.column_masking
	some name in referenced_columns
	ranks := {strategy_rank[strategy_of(p)] | some p in matching_patterns(name)}
	count(ranks) > 0
}

info contains {"rule": "warden.rules.sql.pii", "message": msg} if {
	lib.column_masking
	some name in referenced_columns
	patterns := {p.pattern | some p in matching_patterns(name)}
	count(patterns) > 0
	msg := concat("", ["column ", name, " looks sensitive (", concat(", ", sort(patterns)), "); its values are masked"])
}
