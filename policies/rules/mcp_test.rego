package warden.mcp_test

import data.warden.inputs_test as t

prod_mcp := {"name": "prod-mcp", "kind": "mcp", "environment": "production", "labels": {}}

staging_mcp := object.union(prod_mcp, {"environment": "staging"})

msg(fields) := object.union({"server": "prod-mcp", "direction": "client", "kind": "request"}, fields)

doc(identity, target, fields) := t.document(identity, target, {"protocol": "mcp", "mcp": msg(fields)})

call(tool) := {"method": "tools/call", "id": 1, "tool": tool, "arguments": {}, "tool_status": "recorded", "tool_changed": false}

tool_settings := {"mcp": {"tools": {
	"allow": ["prod-mcp/read_*"],
	"approve": ["*/deploy"],
	"deny": ["*/drop_*", "prod-mcp/deploy_everything"],
}}}

test_discovery_and_notifications_pass_with_content_masks if {
	every fields in [
		{"method": "initialize"}, {"method": "ping"}, {"method": "tools/list"}, {"method": "prompts/list"},
		{"kind": "notification", "method": "notifications/initialized"}, {"kind": "response", "id": 4},
		{"kind": "transport", "method": "transport/open_stream"}, {"kind": "transport", "method": "transport/end_session"},
		{"method": "resources/read", "uri": "file:///docs/a.md"}, {"method": "prompts/get", "prompt": "p"},
	] {
		d := data.warden.decision with input as doc(t.agent, prod_mcp, fields)
		d.effect == "allow"
		d.obligations.mask == [{"detector": "all", "rule": "warden.rules.mcp.content"}]
	}
}

test_an_unlisted_tool_needs_approval_for_agents_in_production if {
	d := data.warden.decision with input as doc(t.agent, prod_mcp, call("anything"))
	d.effect == "approve"
	d.reasons == [{"rule": "warden.rules.mcp.tool", "message": "MCP tool prod-mcp/anything is not listed in settings.mcp.tools; needs approval for agents on production target prod-mcp"}]
}

test_an_unlisted_tool_is_allowed_outside_production if {
	d := data.warden.decision with input as doc(t.agent, staging_mcp, call("anything"))
	d.effect == "allow"
	d.reasons[0].rule == "warden.rules.mcp.tool"
}

test_tool_lists_classify_calls if {
	allowed := data.warden.decision with input as doc(t.agent, prod_mcp, call("read_docs")) with data.settings as tool_settings
	allowed.effect == "allow"
	allowed.reasons == []
	held := data.warden.decision with input as doc(t.agent, prod_mcp, call("deploy")) with data.settings as tool_settings
	held.effect == "approve"
	held.reasons[0].message == "MCP tool prod-mcp/deploy is listed in settings.mcp.tools.approve; needs approval for agents on production target prod-mcp"
	held.obligations.approval.approvers == ["dba"]
	denied := data.warden.decision with input as doc(t.agent, prod_mcp, call("drop_database")) with data.settings as tool_settings
	denied.effect == "deny"
	denied.reasons[0].message == "MCP tool prod-mcp/drop_database is listed in settings.mcp.tools.deny; denied for agents on production target prod-mcp"
}

test_the_strictest_list_wins if {
	# deploy_everything is in deny, and read_* would not match it; */deploy does not match either: deny stands.
	d := data.warden.decision with input as doc(t.agent, prod_mcp, call("deploy_everything")) with data.settings as tool_settings
	d.effect == "deny"
	s := {"mcp": {"tools": {"allow": ["*/*"], "approve": ["*/deploy"], "deny": []}}}
	e := data.warden.decision with input as doc(t.agent, prod_mcp, call("deploy")) with data.settings as s
	e.effect == "approve"
}

test_globs_do_not_cross_the_server_separator if {
	s := {"mcp": {"tools": {"allow": ["other/*"], "approve": [], "deny": []}}}
	d := data.warden.decision with input as doc(t.agent, prod_mcp, call("read_docs")) with data.settings as s
	d.effect == "approve"
}

test_a_changed_tool_is_held_even_when_allowed if {
	changed := object.union(call("read_docs"), {"tool_status": "changed", "tool_changed": true, "tool_fingerprint": "f2"})
	d := data.warden.decision with input as doc(t.agent, prod_mcp, changed) with data.settings as tool_settings
	d.effect == "approve"
	d.reasons == [{"rule": "warden.rules.mcp.tool_changed", "message": "MCP tool prod-mcp/read_docs changed its description or schema since the gateway recorded it; needs approval for agents on production target prod-mcp"}]
	e := data.warden.decision with input as doc(t.agent, staging_mcp, changed) with data.settings as tool_settings
	e.effect == "approve"
}

test_changed_instructions_or_a_changed_prompt_or_resource_hold_the_message if {
	instructions := {"kind": "instructions", "name": "instructions", "fingerprint": "f1"}
	d := data.warden.decision with input as doc(t.agent, prod_mcp, object.union(call("read_docs"), {"changed_definitions": [instructions]})) with data.settings as tool_settings
	d.effect == "approve"
	d.reasons == [{"rule": "warden.rules.mcp.tool_changed", "message": "MCP server prod-mcp changed its instructions (initialize) since the gateway recorded it; needs approval for agents on production target prod-mcp"}]
	prompt := {"kind": "prompt", "name": "review", "fingerprint": "f2"}
	e := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "prompts/get", "prompt": "review", "changed_definitions": [prompt]})
	e.effect == "approve"
	e.reasons[0].message == "MCP server prod-mcp changed the description of its prompt review since the gateway recorded it; needs approval for agents on production target prod-mcp"
	resource := {"kind": "resource", "name": "file:///docs/a.md", "fingerprint": "f3"}
	r := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "resources/read", "uri": "file:///docs/a.md", "changed_definitions": [resource]})
	r.effect == "approve"

	# A denied resource stays denied.
	denied := {"mcp": {"resources": {"deny": ["*/file:///docs/*"]}}}
	x := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "resources/read", "uri": "file:///docs/a.md", "changed_definitions": [resource]}) with data.settings as denied
	x.effect == "deny"
}

test_break_glass_humans_may_call_unlisted_tools if {
	d := data.warden.decision with input as doc(t.break_glass, prod_mcp, call("anything"))
	d.effect == "allow"
}

test_unknown_client_methods_are_dangerous if {
	d := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "admin/shutdown", "id": 2})
	d.effect == "deny"
	d.reasons[0].rule == "warden.rules.mcp.method"
	h := data.warden.decision with input as doc(t.human, staging_mcp, {"method": "admin/shutdown", "id": 2})
	h.effect == "approve"
}

test_parse_errors_are_denied_for_everyone if {
	every identity in [t.agent, t.human, t.break_glass] {
		d := data.warden.decision with input as doc(identity, prod_mcp, {"parse_error": "JSON-RPC batches are not accepted"})
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.mcp.parse_error"
	}
}

test_an_unknown_message_kind_is_invalid if {
	d := data.warden.decision with input as doc(t.agent, prod_mcp, {"kind": "other"})
	d.effect == "deny"
	e := data.warden.decision with input as doc(t.agent, prod_mcp, {"direction": "server", "kind": "other"})
	e.effect == "deny"
	e.reasons[0].rule == "warden.rules.mcp.server_request"
}

test_an_unknown_direction_is_denied if {
	d := data.warden.decision with input as doc(t.agent, prod_mcp, {"direction": "sideways", "method": "ping"})
	d.effect == "deny"
	d.reasons[0].rule == "warden.rules.mcp.direction"
}

test_server_sampling_and_elicitation_are_denied_for_everyone if {
	every method in ["sampling/createMessage", "elicitation/create", "something/new"] {
		every identity in [t.agent, t.break_glass] {
			d := data.warden.decision with input as doc(identity, staging_mcp, {"direction": "server", "method": method, "id": 9})
			d.effect == "deny"
			d.reasons[0].rule == "warden.rules.mcp.server_request"
		}
	}
}

test_server_ping_roots_and_notifications_pass if {
	every fields in [{"method": "ping"}, {"method": "roots/list"}, {"kind": "notification", "method": "notifications/progress"}] {
		d := data.warden.decision with input as doc(t.agent, prod_mcp, object.union({"direction": "server"}, fields))
		d.effect == "allow"
	}
}

test_settings_may_allow_sampling if {
	s := {"mcp": {"server_requests_allowed": ["sampling/createMessage"]}}
	d := data.warden.decision with input as doc(t.agent, prod_mcp, {"direction": "server", "method": "sampling/createMessage", "id": 1}) with data.settings as s
	d.effect == "allow"
}

test_an_mcp_command_on_another_target_kind_is_a_mismatch if {
	d := data.warden.decision with input as doc(t.agent, t.prod_http, {"method": "ping"})
	d.effect == "deny"
	d.reasons[0].rule == "warden.rules.protocol.target_mismatch"
}

test_an_mcp_request_without_its_command_is_unparsed if {
	d := data.warden.decision with input as t.document(t.agent, prod_mcp, {"protocol": "mcp"})
	d.effect == "deny"
	d.reasons[0].rule == "warden.rules.protocol.unparsed"
}

test_a_tool_call_sent_as_a_notification_is_judged_like_a_request if {
	note := object.union(json.remove(call("drop_database"), ["id"]), {"kind": "notification"})
	d := data.warden.decision with input as doc(t.agent, prod_mcp, note) with data.settings as tool_settings
	d.effect == "deny"
	e := data.warden.decision with input as doc(t.agent, prod_mcp, {"kind": "notification", "method": "admin/shutdown"})
	e.effect == "deny"
	e.reasons[0].rule == "warden.rules.mcp.method"
}

read_settings := {"mcp": {
	"resources": {"deny": ["prod-mcp/file:///etc/*"], "approve": ["*/db://*"]},
	"prompts": {"deny": ["prod-mcp/leak_*"], "approve": ["*/export"]},
}}

test_resource_and_prompt_lists_classify_reads if {
	denied := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "resources/read", "uri": "file:///etc/ssl/private/key.pem"}) with data.settings as read_settings
	denied.effect == "deny"
	denied.reasons[0].rule == "warden.rules.mcp.resource"
	startswith(denied.reasons[0].message, "MCP resource prod-mcp/file:///etc/ssl/private/key.pem is listed in settings.mcp.resources.deny")
	subscribed := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "resources/subscribe", "uri": "file:///etc/passwd"}) with data.settings as read_settings
	subscribed.effect == "deny"
	held := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "resources/read", "uri": "db://customers/1"}) with data.settings as read_settings
	held.effect == "approve"
	other := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "resources/read", "uri": "file:///docs/a.md"}) with data.settings as read_settings
	other.effect == "allow"
	prompt := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "prompts/get", "prompt": "leak_all"}) with data.settings as read_settings
	prompt.effect == "deny"
	prompt.reasons[0].rule == "warden.rules.mcp.prompt"
	exported := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "prompts/get", "prompt": "export"}) with data.settings as read_settings
	exported.effect == "approve"
}

test_resource_lists_match_a_uri_in_any_letter_case if {
	every uri in ["file:///ETC/passwd", "file:///Etc/ssl/private/key.pem"] {
		d := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "resources/read", "uri": uri}) with data.settings as read_settings
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.mcp.resource"
	}
	held := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "resources/read", "uri": "DB://Customers/1"}) with data.settings as read_settings
	held.effect == "approve"
	prompt := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "prompts/get", "prompt": "Export"}) with data.settings as read_settings
	prompt.effect == "allow"
}

test_completion_is_judged_as_a_read_of_its_ref if {
	prompt := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "completion/complete", "prompt": "leak_all"}) with data.settings as read_settings
	prompt.effect == "deny"
	prompt.reasons[0].rule == "warden.rules.mcp.prompt"
	template := data.warden.decision with input as doc(t.agent, staging_mcp, {"method": "completion/complete", "uri": "file:///etc/{name}"}) with data.settings as read_settings
	template.effect == "deny"
	template.reasons[0].rule == "warden.rules.mcp.resource"
	held := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "completion/complete", "prompt": "export"}) with data.settings as read_settings
	held.effect == "approve"
	other := data.warden.decision with input as doc(t.agent, prod_mcp, {"method": "completion/complete", "prompt": "review"}) with data.settings as read_settings
	other.effect == "allow"
}

test_server_messages_without_an_id_that_ask_for_something_are_denied if {
	every method in ["sampling/createMessage", "elicitation/create", "tools/call"] {
		d := data.warden.decision with input as doc(t.agent, prod_mcp, {"direction": "server", "kind": "notification", "method": method})
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.mcp.server_request"
	}
	note := data.warden.decision with input as doc(t.agent, prod_mcp, {"direction": "server", "kind": "notification", "method": "notifications/message"})
	note.effect == "allow"
}
