# The request must be one Warden knows how to judge: a known protocol, matching the target's kind, and
# carrying the parsed form its protocol needs. Anything else is denied for everyone.
package warden.rules.protocol

import data.warden.lib

# protocol -> the target kind it may reach and the command field that carries its parsed form
# (policies/warden/catalog/protocols/data.json).
protocols := data.warden.catalog.protocols

protocol := input.command.protocol

findings contains {"class": "invalid", "rule": "warden.rules.protocol.unknown", "message": msg} if {
	is_string(protocol)
	not protocols[protocol]
	msg := concat("", ["protocol ", protocol, " is not one Warden can judge"])
}

findings contains {"class": "invalid", "rule": "warden.rules.protocol.target_mismatch", "message": msg} if {
	expected := protocols[protocol].target
	input.target.kind != expected
	msg := concat("", ["a ", protocol, " request cannot reach target ", input.target.name, " of kind ", input.target.kind])
}

findings contains {"class": "invalid", "rule": "warden.rules.protocol.unparsed", "message": msg} if {
	payload := protocols[protocol].payload
	not is_object(object.get(input.command, payload, null))
	msg := concat("", ["the ", protocol, " request has no parsed command.", payload, "; it cannot be judged"])
}

findings contains {"class": "invalid", "rule": "warden.rules.protocol.target_mismatch", "message": msg} if {
	protocols[protocol].payload == "cloud"
	object.get(input.command.cloud, "provider", null) != protocol
	msg := concat("", ["a ", protocol, " request carries a ", lib.text(input.command.cloud, "provider"), " cloud command"])
}

findings contains {"class": "invalid", "rule": "warden.rules.protocol.target_mismatch", "message": msg} if {
	protocols[protocol].payload == "sql"
	object.get(input.command.sql, "dialect", null) != protocol
	msg := concat("", ["a ", protocol, " request carries ", lib.text(input.command.sql, "dialect"), " SQL"])
}

deny contains r if some r in lib.reasons_for(findings, "deny")
