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

mask_targets := {"column", "detector", "path"}

mask_keys := ["column", "detector", "path", "strategy", "rule"]

mask_strategies := {"redact", "partial", "hash", "null"}

mask_detectors := {
	"all", "email", "payment_card", "iban", "us_ssn", "phone",
	"aws_access_key", "private_key", "jwt", "bearer_token",
}

valid_mask(m) if {
	is_object(m)
	count({k | some k in mask_targets; m[k]}) == 1
	every k, v in m {
		k in mask_keys
		is_string(v)
		v != ""
	}
	object.get(m, "strategy", "redact") in mask_strategies
	object.get(m, "detector", "all") in mask_detectors
}

mask_from(pkg, m) := {"column": m, "rule": package_rule(pkg)} if {
	is_string(m)
	m != ""
}

mask_from(pkg, m) := object.union({"rule": package_rule(pkg)}, m) if valid_mask(m)

mask_items contains mask_from(pkg, m) if {
	some pkg
	some m in data.warden.rules[pkg].mask
}

# A mask Warden cannot apply would leak data: it denies the whole request instead.
policy_errors contains {"rule": "warden.policy", "message": msg} if {
	some pkg
	some m in data.warden.rules[pkg].mask
	not mask_from(pkg, m)
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

collection(value) if is_set(value)

collection(value) if is_array(value)

not_collections contains [pkg, "deny"] if {
	value := data.warden.rules[pkg].deny
	not collection(value)
}

not_collections contains [pkg, "approve"] if {
	value := data.warden.rules[pkg].approve
	not collection(value)
}

not_collections contains [pkg, "info"] if {
	value := data.warden.rules[pkg].info
	not collection(value)
}

not_collections contains [pkg, "mask"] if {
	value := data.warden.rules[pkg].mask
	not collection(value)
}

not_collections contains [pkg, "approval"] if {
	value := data.warden.rules[pkg].approval
	not collection(value)
}

not_collections contains [pkg, "audit_redact"] if {
	value := data.warden.rules[pkg].audit_redact
	not collection(value)
}
