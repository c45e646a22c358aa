# Masking for SQL results. Where column masking applies (production, not break-glass) every
# sensitive_columns pattern becomes a column mask, and each referenced column matching one becomes an
# exact-name mask too, with a note on the decision; content detectors apply where content masking does.
package warden.rules.sql

import data.warden.lib
import data.warden.settings

# Each sensitive_columns pattern once, with its strategy, its lower-case glob and, for an infix pattern
# such as `*email*`, the literal it looks for ("" for any other pattern). The shipped defaults come
# precomputed (catalog.default_sensitive_patterns; a test checks them against this conversion).
sensitive_patterns := catalog.default_sensitive_patterns if {
	default_patterns
} else := patterns_of(settings.current.sensitive_columns)

# The shipped sensitive_columns are in force: none are configured (the common case, decided without comparing
# the lists), or the configured list is the shipped one.
default_patterns if {
	not configured_patterns
} else if {
	settings.current.sensitive_columns == settings.defaults.sensitive_columns
}

# Assigned, not tested: a configured false or null counts as configured.
configured_patterns if _ := settings.configured.sensitive_columns

# The column mask of each pattern; the shipped ones come built (catalog.default_pattern_masks, checked by a test).
pattern_masks := catalog.default_pattern_masks if {
	default_patterns
} else := [{"column": p.pattern, "strategy": p.strategy, "rule": "warden.rules.sql.pii"} | some p in sensitive_patterns]

patterns_of(columns) := [{"pattern": p.pattern, "strategy": strategy_of(p), "glob": g, "infix": infix(g)} |
	some p in columns
	is_string(p.pattern)
	p.pattern != ""
	g := lower(p.pattern)
]

strategy_of(p) := p.strategy if {
	p.strategy in {"redact", "partial", "hash", "null"}
} else := "redact"

infix(g) := literal if {
	startswith(g, "*")
	endswith(g, "*")
	literal := substring(g, 1, count(g) - 2)
	literal != ""
	every c in glob_specials {
		not contains(literal, c)
	}
} else := ""

# The characters with a meaning in a glob (glob.quote_meta escapes them).
glob_specials := ["*", "?", "\\", "[", "]", "{", "}"]

# The shipped patterns are all `*literal*` ones (a test checks).
infix_patterns := sensitive_patterns if {
	default_patterns
} else := [p | some p in sensitive_patterns; p.infix != ""]

glob_patterns := [] if {
	default_patterns
} else := [p | some p in sensitive_patterns; p.infix == ""]

# The strictest of several strategies wins when a column matches more than one pattern.
strategy_rank := {"partial": 0, "hash": 1, "null": 2, "redact": 3}

rank_strategy := ["partial", "hash", "null", "redact"]

has_statements if count(statements) > 0

# One list, not a set: hashing every mask into a set is a measurable part of an evaluation, and the decision
# sorts the masks and drops repeats anyway (policies/warden/decision.rego).
mask := array.concat(array.concat(applied_pattern_masks, detector_masks), column_masks) if has_statements

applied_pattern_masks := pattern_masks if {
	has_statements
	lib.column_masking
} else := []

detector_masks := [{"detector": d, "rule": "warden.rules.sql.content"} |
	has_statements
	lib.content_masking
	some d in settings.current.content_detectors
]

referenced_columns contains lower(c.name) if {
	some s in statements
	some c in s.columns
	is_string(c.name)
	not contains(c.name, "*")
}

# Which referenced columns match which patterns: glob.match, with `*literal*` patterns tested by
# `contains` where that gives the same answer: for a name without "." (stock OPA's default glob
# delimiter) or a newline (which `*` does not match in OPA's WASM build). Most names match nothing, so
# the infix patterns are first narrowed to those whose literal occurs anywhere in the names.
all_columns := concat("/", referenced_columns)

plain_columns := referenced_columns if {
	not contains(all_columns, ".")
	not contains(all_columns, "\n")
} else := {name | some name in referenced_columns; not contains(name, "."); not contains(name, "\n")}

present_infix_patterns := [p | some p in infix_patterns; contains(all_columns, p.infix)]

column_matches contains [name, p] if {
	some name in plain_columns
	some p in present_infix_patterns
	contains(name, p.infix)
}

column_matches contains [name, p] if {
	some name in plain_columns
	some p in glob_patterns
	glob.match(p.glob, [], name)
}

column_matches contains [name, p] if {
	some name in (referenced_columns - plain_columns)
	some p in sensitive_patterns
	glob.match(p.glob, [], name)
}

# Each referenced column that matches a pattern, with the patterns it matches.
sensitive_columns[name] := {p | some [n, p] in column_matches; n == name} if {
	lib.column_masking
	some [name, _] in column_matches
}

column_masks := [{"column": name, "strategy": rank_strategy[max(ranks)], "rule": "warden.rules.sql.pii"} |
	some name, patterns in sensitive_columns
	ranks := {strategy_rank[p.strategy] | some p in patterns}
]

info contains {"rule": "warden.rules.sql.pii", "message": msg} if {
	some name, patterns in sensitive_columns
	globs := {p.pattern | some p in patterns}
	msg := concat("", ["column ", name, " looks sensitive (", concat(", ", sort(globs)), "); its values are masked"])
}
