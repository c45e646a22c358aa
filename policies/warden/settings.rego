# Settings every Warden policy reads: the defaults below, with data.settings (the gateway's
# policy.settings) merged over them by object.union, so nested objects merge key by key and a
# configured list replaces the default list.
#
#   approver_groups          groups whose members may approve a held request
#   approval_scope           statement | fingerprint | session, what one approval covers
#   approval_ttl_seconds     how long a grant lasts (1 .. 604800)
#   break_glass_groups       humans in these groups get the break-glass column of `verdicts`
#   production_environments  target environments treated as production (compared lower-case)
#   sensitive_columns        [{pattern, strategy}]: column masks, `*` wildcard, case-insensitive
#   content_detectors        detectors applied to every result value where content masking applies
#   extra_safe_functions     SQL functions added to the known-safe allowlist
#   extra_safe_settings      SET/RESET names added to the ordinary-setting allowlist
#   kubernetes               production_namespaces, nonresource_read_paths, nonresource_read_prefixes
#   verdicts                 class -> column -> allow | approve | deny, see policies/lib/actor.rego
package warden.settings

defaults := {
	"approver_groups": ["dba"],
	"approval_scope": "statement",
	"approval_ttl_seconds": 3600,
	"break_glass_groups": ["breakglass"],
	"production_environments": ["production", "prod"],
	"sensitive_columns": [
		{"pattern": "*email*", "strategy": "partial"},
		{"pattern": "*phone*", "strategy": "partial"},
		{"pattern": "*card*", "strategy": "partial"},
		{"pattern": "*ssn*", "strategy": "redact"},
		{"pattern": "*token*", "strategy": "redact"},
		{"pattern": "*secret*", "strategy": "redact"},
		{"pattern": "*password*", "strategy": "redact"},
		{"pattern": "*api_key*", "strategy": "redact"},
	],
	"content_detectors": ["all"],
	"extra_safe_functions": [],
	"extra_safe_settings": [],
	"kubernetes": {
		"production_namespaces": ["default", "production", "prod", "payments", "kube-system"],
		"nonresource_read_paths": ["/healthz", "/livez", "/readyz", "/version", "/openapi", "/api", "/apis"],
		"nonresource_read_prefixes": ["/healthz/", "/livez/", "/readyz/", "/openapi/"],
	},
	"verdicts": verdicts,
}

# What each class of finding leads to, per column (see policies/lib/actor.rego for the columns).
verdicts := {
	"change": {
		"agent_production": "approve", "human_production": "approve", "break_glass": "allow",
		"agent_other": "allow", "human_other": "allow",
	},
	"sensitive": {
		"agent_production": "approve", "human_production": "approve", "break_glass": "allow",
		"agent_other": "approve", "human_other": "allow",
	},
	"destructive": {
		"agent_production": "deny", "human_production": "deny", "break_glass": "allow",
		"agent_other": "approve", "human_other": "approve",
	},
	"privilege": {
		"agent_production": "deny", "human_production": "approve", "break_glass": "allow",
		"agent_other": "deny", "human_other": "approve",
	},
	"agent_forbidden": {
		"agent_production": "deny", "human_production": "approve", "break_glass": "allow",
		"agent_other": "deny", "human_other": "allow",
	},
	"dangerous": {
		"agent_production": "deny", "human_production": "deny", "break_glass": "allow",
		"agent_other": "deny", "human_other": "approve",
	},
	"critical": {
		"agent_production": "deny", "human_production": "deny", "break_glass": "approve",
		"agent_other": "deny", "human_other": "deny",
	},
	"invalid": {
		"agent_production": "deny", "human_production": "deny", "break_glass": "deny",
		"agent_other": "deny", "human_other": "deny",
	},
}

default configured := {}

configured := data.settings if is_object(data.settings)

current := object.union(defaults, configured)
