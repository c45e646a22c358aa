# Who may be judged at all: an identity must be an agent or a human. Agents never get break-glass
# treatment, even when a token lists a break-glass group; the decision notes it.
package warden.rules.identity

import data.warden.lib
import data.warden.settings

deny contains {"rule": "warden.rules.identity.kind", "message": msg} if {
	is_string(input.identity.kind)
	not lib.judged_kind(input.identity.kind)
	msg := concat("", ["identity kind ", input.identity.kind, " is neither agent nor human"])
}

info contains {"rule": "warden.rules.identity.break_glass", "message": msg} if {
	input.identity.kind == "agent"
	some group in input.identity.groups
	group in settings.current.break_glass_groups
	msg := concat("", ["agent ", input.identity.sub, " is in break-glass group ", group, ", which applies to humans only"])
}
