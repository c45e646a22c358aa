# Settings every Warden policy reads: the defaults in data.warden.catalog.defaults
# (policies/warden/catalog/defaults/data.json), with data.settings (the gateway's policy.settings)
# merged over them by object.union, so nested objects merge key by key and a configured list replaces
# the default list.
#
#   approver_groups          groups whose members may approve a held request
#   approval_scope           statement | fingerprint | session | target, what one approval covers
#   approval_ttl_seconds     how long a grant lasts (1 .. 604800)
#   break_glass_groups       humans in these groups get the break-glass column of `verdicts`
#   production_environments  target environments treated as production (compared lower-case)
#   sensitive_columns        [{pattern, strategy}]: column masks, `*` wildcard, case-insensitive
#   content_detectors        detectors applied to every result value where content masking applies
#   extra_safe_functions     SQL functions added to the known-safe allowlist
#   extra_safe_settings      SET/RESET names added to the ordinary-setting allowlist
#   kubernetes               production_namespaces, nonresource_read_paths, nonresource_read_prefixes
#   mcp                      tools.{allow, approve, deny}: globs over server/tool; resources.{approve, deny}:
#                            globs over server/uri; prompts.{approve, deny}: globs over server/prompt;
#                            server_requests_allowed: methods an MCP server may ask the client for (see
#                            policies/rules/mcp.rego)
#   verdicts                 class -> column -> allow | approve | deny, see policies/lib/actor.rego
#
# The defaults are static data rather than a Rego literal: compiled to WASM, a literal is rebuilt on
# every evaluation, data is loaded once.
package warden.settings

defaults := data.warden.catalog.defaults

# What each class of finding leads to, per column (see policies/lib/actor.rego for the columns).
verdicts := defaults.verdicts

default configured := {}

configured := data.settings if is_object(data.settings)

# With nothing configured (the common case) the merge is skipped: it would copy the defaults.
current := defaults if {
	count(configured) == 0
} else := object.union(defaults, configured)
