# The default policy for MCP servers over streamable HTTP (input.command.mcp).
#
# Client messages: initialize, ping, the */list methods, notifications, responses and the transport's own
# GET / DELETE are discovery and pass; resources/read, prompts/get and completion/complete are reads;
# tools/call is classified by settings.mcp.tools, glob patterns over "server/tool" ("*" stops at "/"):
#   deny    → class dangerous      approve → class change      allow → read (no finding)
# the strictest match wins; a tool no list names is a change. resources/read and resources/subscribe are
# classified by settings.mcp.resources, globs over "server/uri" ("*" crosses "/" and ".", any letter case), and
# prompts/get by settings.mcp.prompts, globs over "server/prompt": deny → dangerous, approve → change, else a
# read; so data a denied tool guards can be denied when the server also serves it as a resource or prompt.
# completion/complete is judged as a read of the prompt or resource (template) its ref names.
# A tool whose description or schema changed
# since the gateway recorded it (command.mcp.tool_changed, a "rug pull") is sensitive, whatever the lists
# say; so is a message relying on changed instructions, or a changed prompt, resource or template. Any other method is dangerous; a message that is not well-formed JSON-RPC is invalid.
#
# Server messages (requests the server sends on the response stream): denied unless their method is in
# settings.mcp.server_requests_allowed (ping and roots/list by default), so sampling/createMessage and
# elicitation/create are refused. They are never held: nobody could answer them while the stream waits.
#
# Results are masked by the content detectors, like any JSON body.
package warden.rules.mcp

import data.warden.lib
import data.warden.settings

m := input.command.mcp

mcp_request if {
	input.command.protocol == "mcp"
	is_object(m)
}

client if m.direction == "client"

server if m.direction == "server"

method := lib.text(m, "method")

server_name := lib.text(m, "server")

tool_name := lib.text(m, "tool")

subject := concat("/", [server_name, tool_name])

passing_methods := {
	"initialize", "ping", "tools/list", "resources/list", "resources/templates/list", "prompts/list",
	"logging/setLevel", "transport/open_stream", "transport/end_session",
}

read_methods := {"resources/read", "resources/subscribe", "resources/unsubscribe", "prompts/get", "completion/complete"}

tool_lists := settings.current.mcp.tools

listed(list) if {
	some pattern in object.get(tool_lists, list, [])
	glob.match(pattern, ["/"], subject)
}

# Resources and prompts: only deny and approve lists (a read no list names passes, as before).
uri := lib.text(m, "uri")

prompt_name := lib.text(m, "prompt")

read_listed(kind, list, subject_text, delimiters) if {
	some pattern in object.get(object.get(settings.current.mcp, kind, {}), list, [])
	glob.match(pattern, delimiters, subject_text)
}

# A resource's URI in other letter case: a server on a case-insensitive file system (macOS, Windows) reads
# file:///ETC/passwd as /etc/passwd, which file:///etc/* names. Its lists match whatever the case.
read_listed("resources", list, subject_text, delimiters) if {
	some pattern in object.get(object.get(settings.current.mcp, "resources", {}), list, [])
	glob.match(lower(pattern), delimiters, lower(subject_text))
}

read_class(kind, subject_text, delimiters) := "dangerous" if {
	read_listed(kind, "deny", subject_text, delimiters)
} else := "change" if {
	read_listed(kind, "approve", subject_text, delimiters)
}

# The methods that read a resource or a prompt: completion/complete suggests values for one (its ref).
reads_resource if method in {"resources/read", "resources/subscribe"}

reads_resource if {
	method == "completion/complete"
	is_string(m.uri)
}

reads_prompt if method == "prompts/get"

reads_prompt if {
	method == "completion/complete"
	is_string(m.prompt)
}

findings contains f if {
	mcp_request
	well_formed
	client
	reads_resource
	resource := concat("/", [server_name, uri])
	class := read_class("resources", resource, null)
	list := {"dangerous": "deny", "change": "approve"}[class]
	msg := concat("", ["MCP resource ", resource, " is listed in settings.mcp.resources.", list])
	f := {"class": class, "rule": "warden.rules.mcp.resource", "message": msg}
}

findings contains f if {
	mcp_request
	well_formed
	client
	reads_prompt
	prompt := concat("/", [server_name, prompt_name])
	class := read_class("prompts", prompt, ["/"])
	list := {"dangerous": "deny", "change": "approve"}[class]
	msg := concat("", ["MCP prompt ", prompt, " is listed in settings.mcp.prompts.", list])
	f := {"class": class, "rule": "warden.rules.mcp.prompt", "message": msg}
}

# The class of a tools/call, strictest first.
tool_class := "dangerous" if {
	listed("deny")
} else := "change" if {
	listed("approve")
} else := "read" if {
	listed("allow")
} else := "change"

tool_why := " is listed in settings.mcp.tools.deny" if {
	listed("deny")
} else := " is listed in settings.mcp.tools.approve" if {
	listed("approve")
} else := " is not listed in settings.mcp.tools"

well_formed if not m.parse_error

findings contains f if {
	mcp_request
	m.parse_error
	msg := concat("", ["not a well-formed MCP message for ", server_name, ": ", lib.text(m, "parse_error")])
	f := {"class": "invalid", "rule": "warden.rules.mcp.parse_error", "message": msg}
}

findings contains f if {
	mcp_request
	well_formed
	client

	# A tools/call sent as a notification (no id) is judged too: a lax server may still run it.
	m.kind in {"request", "notification"}
	method == "tools/call"
	tool_class != "read"
	msg := concat("", ["MCP tool ", subject, tool_why])
	f := {"class": tool_class, "rule": "warden.rules.mcp.tool", "message": msg}
}

findings contains f if {
	mcp_request
	well_formed
	client
	method == "tools/call"
	m.tool_changed == true
	msg := concat("", ["MCP tool ", subject, " changed its description or schema since the gateway recorded it"])
	f := {"class": "sensitive", "rule": "warden.rules.mcp.tool_changed", "message": msg}
}

# The same for what else the server described: its instructions, and the prompt, resource or template a
# message names (command.mcp.changed_definitions; only on tools/call and the read methods).
definition_words := {
	"instructions": "its instructions (initialize)",
	"prompt": "the description of its prompt ",
	"resource": "the description of its resource ",
	"template": "the description of its resource template ",
}

findings contains f if {
	mcp_request
	well_formed
	client
	some d in object.get(m, "changed_definitions", [])
	what := object.get(definition_words, d.kind, "a definition ")
	name := {true: "", false: lib.text(d, "name")}[d.kind == "instructions"]
	msg := concat("", ["MCP server ", server_name, " changed ", what, name, " since the gateway recorded it"])
	f := {"class": "sensitive", "rule": "warden.rules.mcp.tool_changed", "message": msg}
}

findings contains f if {
	mcp_request
	well_formed
	client
	method_call
	not method in ((passing_methods | read_methods) | {"tools/call"})
	msg := concat("", ["MCP method ", method, " on ", server_name, " is not one Warden recognises"])
	f := {"class": "dangerous", "rule": "warden.rules.mcp.method", "message": msg}
}

findings contains f if {
	mcp_request
	client
	not m.kind in {"request", "notification", "response", "transport"}
	f := {"class": "invalid", "rule": "warden.rules.mcp.parse_error", "message": "an MCP message of unknown kind"}
}

# A message that asks for something: a request, or a notification outside the notifications/ namespace.
method_call if m.kind == "request"

method_call if {
	m.kind == "notification"
	not startswith(method, "notifications/")
}

server_allowed if method in settings.current.mcp.server_requests_allowed

# A server→client request the settings do not allow: denied for everyone (no verdict column: it cannot wait).
# A server "notification" outside notifications/ (sampling/createMessage with no id) asks for something too.
deny contains r if {
	mcp_request
	server
	method_call
	not server_allowed
	msg := concat("", [
		"MCP server ", server_name, " asked the client for ", method,
		"; server-initiated requests other than ", concat(", ", settings.current.mcp.server_requests_allowed),
		" are denied (settings.mcp.server_requests_allowed)",
	])
	r := {"rule": "warden.rules.mcp.server_request", "message": msg}
}

deny contains r if {
	mcp_request
	server
	not m.kind in {"request", "notification", "response"}
	r := {"rule": "warden.rules.mcp.server_request", "message": concat("", ["an MCP server message of unknown kind from ", server_name])}
}

deny contains r if {
	mcp_request
	not m.direction in {"client", "server"}
	r := {"rule": "warden.rules.mcp.direction", "message": "an MCP message whose sender (direction) is unknown"}
}

mask contains {"detector": d, "rule": "warden.rules.mcp.content"} if {
	mcp_request
	lib.content_masking
	some d in settings.current.content_detectors
}

deny contains r if {
	mcp_request
	some r in lib.reasons_for(findings, "deny")
}

approve contains r if {
	mcp_request
	some r in lib.reasons_for(findings, "approve")
}

info contains r if {
	mcp_request
	some r in lib.reasons_for(findings, "allow")
}
