# The single entrypoint, data.warden.decision (built with `opa build -t wasm -e warden/decision`):
# any deny ⇒ deny; else an approve not covered by a grant ⇒ approve; else allow. Masks accumulate on
# allow and approve; a deny carries none. Arrays are sorted so stock `opa eval` and the WASM build give the same JSON.
package warden

# Fail closed on a document that lacks what every rule relies on.
input_errors contains {"rule": "warden.input", "message": msg} if {
	not input_is_object
	msg := "the input document is missing or not an object; it cannot be judged"
}

input_is_object if is_object(input)

input_errors contains {"rule": "warden.input", "message": msg} if {
	some field in required_fields
	value := object.get(input, field, null)
	not is_string(value)
	msg := concat("", ["the input document has no ", concat(".", field), "; it cannot be judged"])
}

input_errors contains {"rule": "warden.input", "message": msg} if {
	groups := object.get(input, ["identity", "groups"], null)
	not is_array(groups)
	msg := "the input document has no identity.groups list; it cannot be judged"
}

required_fields := [
	["identity", "sub"],
	["identity", "kind"],
	["target", "name"],
	["target", "kind"],
	["target", "environment"],
	["command", "protocol"],
]

# source_denials: what a copy reads, judged as that read (sources.rego).
denials := ((deny_reasons | input_errors) | policy_errors) | source_denials

effect := "deny" if {
	count(denials) > 0
} else := "approve" if {
	count(approve_reasons) > 0
	not covered
} else := "allow"

reasons := sorted_reasons(denials) if effect == "deny"

reasons := sorted_reasons(approve_reasons) if effect == "approve"

reasons := sorted_reasons(allow_reasons) if effect == "allow"

# On allow, everything that fired: covered approvals with the grants that cover them, and notes.
allow_reasons := (approve_reasons | grant_reasons) | info_reasons if {
	count(approve_reasons) > 0
} else := info_reasons

sorted_reasons(rs) := [{"rule": t[0], "message": t[1]} | some t in sort({[r.rule, r.message] | some r in rs})]

# Masks sorted by their keys (column | detector | path, its value, strategy, rule): columns, then
# detectors, then paths; rebuilt without empty fields, each once. The ["invalid", package] results (two
# entries, where a key has four) are left out.
sorted_mask_results := sort(mask_results)

# The results shifted one place: the entry before each one, to drop repeats (two packages masking alike).
previous_mask_results := array.concat([null], sorted_mask_results)

masks := [mask_object(k) |
	some i, k in sorted_mask_results
	count(k) == 4
	k != previous_mask_results[i]
]

mask_object(key) := {key[0]: key[1], "strategy": key[2], "rule": key[3]} if key[2] != ""

mask_object(key) := {key[0]: key[1], "rule": key[3]} if key[2] == ""

approval_part := {"approval": approval} if effect == "approve"

default approval_part := {}

audit_part := {"audit": {"redact": sort(audit_redactions)}} if count(audit_redactions) > 0

default audit_part := {}

# A deny runs nothing, so it carries no mask obligations (they would only mislead a reader of the audit).
mask_part := {"mask": []} if {
	effect == "deny"
} else := {"mask": masks}

decision := {
	"effect": effect,
	"reasons": reasons,
	"obligations": object.union(object.union(mask_part, approval_part), audit_part),
}
