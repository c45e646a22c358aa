# Collects what every rule package under data.warden.rules contributes (deny, approve, info, mask,
# approval, audit_redact) and turns it into well-formed reasons and mask obligations.
# A reason may be a string (its rule is the package path) or an object {rule, message}.
package warden

rules_prefix := "warden.rules."

malformed_reason := "the package produced a reason that is neither a string nor an object"

package_rule(pkg) := concat("", [rules_prefix, pkg])

# A string value, or the fallback when the key is missing, not a string or empty.
text_or(obj, key, fallback) := v if {
	v := obj[key]
	is_string(v)
	v != ""
} else := fallback

reason_from(pkg, r) := {"rule": package_rule(pkg), "message": r} if is_string(r)

reason_from(pkg, r) := {"rule": text_or(r, "rule", package_rule(pkg)), "message": text_or(r, "message", "")} if {
	is_object(r)
}

reason_from(pkg, r) := {"rule": package_rule(pkg), "message": malformed_reason} if {
	not is_string(r)
	not is_object(r)
}

deny_reasons contains reason_from(pkg, r) if {
	some pkg
	some r in data.warden.rules[pkg].deny
}

approve_reasons contains reason_from(pkg, r) if {
	some pkg
	some r in data.warden.rules[pkg].approve
}

info_reasons contains reason_from(pkg, r) if {
	some pkg
	some r in data.warden.rules[pkg].info
}

# Packages with at least one approve reason; each shapes the approval obligation (see approval.rego).
approving_packages contains pkg if {
	some pkg
	some _ in data.warden.rules[pkg].approve
}

audit_redactions contains path if {
	some pkg
	some path in data.warden.rules[pkg].audit_redact
	is_string(path)
}

# ---- masks ----

# What a mask obligation may hold: exactly one target (mask_targets) and the options strategy and rule;
# data.warden.catalog.masks (policies/warden/catalog/masks/data.json) lists the known `strategies`,
# `detectors` and `sources` (values masked by origin, which the gateway looks up: a pod's Secrets).
mask_catalog := data.warden.catalog.masks

mask_targets := ["column", "detector", "path", "source"]

# A mask as the key it is sorted by in the decision: [column | detector | path | source, its value,
# strategy or "", rule], the rule being the package path unless the mask names one. Undefined when
# invalid: an object mask needs exactly one of column, detector, path or source, only known keys, every
# value a non-empty string, and a known strategy, detector and source.
mask_key(pkg, m) := ["column", m, "", package_rule(pkg)] if {
	is_string(m)
	m != ""
}

mask_key(pkg, m) := [kind, value, option_text(strategy), mask_rule(pkg, rule)] if {
	is_object(m)
	[kind] := [k | some k in mask_targets; m[k]]
	value := m[kind]
	is_string(value)
	value != ""
	strategy := object.get(m, "strategy", false)
	rule := object.get(m, "rule", false)
	count(m) == key_count(strategy, rule)
	known_strategy(strategy)
	known_detector(kind, value)
	valid_rule(rule)
}

# The checks above, read key by key (every mask is checked on every evaluation, so they look each key up
# once): an option is false when absent, and the mask holds exactly its target and the options present, so
# no other key (nor a present option that is false) passes the count.
key_count(false, false) := 1

key_count(s, false) := 2 if s != false

key_count(false, r) := 2 if r != false

key_count(s, r) := 3 if {
	s != false
	r != false
}

known_strategy(false)

known_strategy(s) if mask_catalog.strategies[s]

known_detector(kind, _) if not kind in {"detector", "source"}

known_detector("detector", d) if mask_catalog.detectors[d]

known_detector("source", s) if mask_catalog.sources[s]

valid_rule(false)

valid_rule(r) if {
	is_string(r)
	r != ""
}

option_text(false) := ""

option_text(s) := s if s != false

mask_rule(pkg, false) := package_rule(pkg)

mask_rule(_, r) := r if r != false

# Every mask a package produced, checked once: its key (four strings) or ["invalid", package]. A list, not a
# set: decision.rego sorts it and drops repeats, which costs less than hashing every key into a set.
mask_results := [mask_result(pkg, m) |
	some pkg
	some m in data.warden.rules[pkg].mask
]

mask_result(pkg, m) := key if {
	key := mask_key(pkg, m)
} else := ["invalid", pkg]

# A mask Warden cannot apply would leak data: it denies the whole request instead.
policy_errors contains {"rule": "warden.policy", "message": msg} if {
	some ["invalid", pkg] in mask_results
	msg := concat("", [
		"package ", package_rule(pkg), " produced an invalid mask obligation ",
		"(it needs exactly one of column, detector, path or source, all strings, a known strategy, detector and source)",
	])
}

# deny / approve / mask written as a non-collection (e.g. `deny if …`) would be silently ignored.
policy_errors contains {"rule": "warden.policy", "message": msg} if {
	some [pkg, name] in not_collections
	msg := concat("", [package_rule(pkg), ".", name, " must be a set (write `", name, " contains … if …`)"])
}

not_collections contains [pkg, "deny"] if {
	value := data.warden.rules[pkg].deny
	not is_set(value)
	not is_array(value)
}

not_collections contains [pkg, "approve"] if {
	value := data.warden.rules[pkg].approve
	not is_set(value)
	not is_array(value)
}

not_collections contains [pkg, "info"] if {
	value := data.warden.rules[pkg].info
	not is_set(value)
	not is_array(value)
}

not_collections contains [pkg, "mask"] if {
	value := data.warden.rules[pkg].mask
	not is_set(value)
	not is_array(value)
}

not_collections contains [pkg, "approval"] if {
	value := data.warden.rules[pkg].approval
	not is_set(value)
	not is_array(value)
}

not_collections contains [pkg, "audit_redact"] if {
	value := data.warden.rules[pkg].audit_redact
	not is_set(value)
	not is_array(value)
}
