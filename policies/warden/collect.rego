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

# What a mask obligation may hold: data.warden.catalog.masks (policies/warden/catalog/masks/data.json).
# `fields` maps each allowed key to "target" (exactly one of column, detector, path) or "option"
# (strategy, rule); `strategies` and `detectors` are the known values.
mask_catalog := data.warden.catalog.masks

mask_targets := ["column", "detector", "path"]

# A mask as the key it is sorted by in the decision: [column | detector | path, its value, strategy
# or "", rule], the rule being the package path unless the mask names one. Undefined when invalid: an
# object mask needs exactly one of column, detector or path, only known keys, every value a non-empty
# string, and a known strategy and detector.
mask_key(pkg, m) := ["column", m, "", package_rule(pkg)] if {
	is_string(m)
	m != ""
}

mask_key(pkg, m) := [kind, m[kind], object.get(m, "strategy", ""), mask_rule(pkg, m)] if {
	is_object(m)
	[kind] := [k | some k in mask_targets; m[k]]
	every k, v in m {
		mask_catalog.fields[k]
		is_string(v)
		v != ""
	}
	mask_catalog.strategies[object.get(m, "strategy", "redact")]
	mask_catalog.detectors[object.get(m, "detector", "all")]
}

mask_rule(_, m) := m.rule

mask_rule(pkg, m) := package_rule(pkg) if not m.rule

# Every mask a package produced, checked once: ["mask", key] or ["invalid", package].
mask_results := [mask_result(pkg, m) |
	some pkg
	some m in data.warden.rules[pkg].mask
]

mask_result(pkg, m) := ["mask", key] if {
	key := mask_key(pkg, m)
} else := ["invalid", pkg]

# A mask Warden cannot apply would leak data: it denies the whole request instead.
policy_errors contains {"rule": "warden.policy", "message": msg} if {
	some ["invalid", pkg] in mask_results
	msg := concat("", [
		"package ", package_rule(pkg), " produced an invalid mask obligation ",
		"(it needs exactly one of column, detector or path, all strings, a known strategy and detector)",
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
