# Who is asking and where: the column of the `verdicts` table a request falls in, and the helpers the
# rule packages share to turn findings into deny / approve / info reasons.
#
# Columns: agent_production, human_production (a human outside the break-glass groups),
# break_glass (a human in a break-glass group, any environment), agent_other, human_other
# (any environment not listed in production_environments).
package warden.lib

import data.warden.settings

production if {
	environment := lower(input.target.environment)
	some e in settings.current.production_environments
	lower(e) == environment
}

agent if input.identity.kind == "agent"

break_glass if {
	input.identity.kind == "human"
	some group in input.identity.groups
	group in settings.current.break_glass_groups
}

plain_human if {
	input.identity.kind == "human"
	not break_glass
}

column := "break_glass" if break_glass

column := "agent_production" if {
	agent
	production
}

column := "agent_other" if {
	agent
	not production
}

column := "human_production" if {
	plain_human
	production
}

column := "human_other" if {
	plain_human
	not production
}

# The effect a class of finding has for this request; anything unknown is a deny (fail closed).
verdict(class) := v if {
	v := settings.current.verdicts[class][column]
	effect_name(v)
} else := "deny"

# The three effects, matched without building a set literal (rebuilt on every evaluation of the WASM build).
effect_name("allow")

effect_name("approve")

effect_name("deny")

# The identity kinds Warden judges.
judged_kind("agent")

judged_kind("human")

# Column masks (sensitive_columns) apply to agents and non-break-glass humans in production.
column_masking if {
	production
	not break_glass
	judged_kind(input.identity.kind)
}

# Content detectors apply to agents everywhere and to non-break-glass humans in production.
content_masking if agent

content_masking if column_masking

audience := "agents" if {
	agent
} else := "break-glass humans" if {
	break_glass
} else := "humans" if {
	plain_human
} else := "unidentified callers"

where := concat("", ["production target ", input.target.name]) if {
	production
} else := concat("", [input.target.environment, " target ", input.target.name]) if {
	is_string(input.target.environment)
} else := "an unidentified target"

# A finding is {class, rule, message}. reasons_for turns the findings whose class leads to `effect`
# into reasons; with "allow" it lists the findings let through (break-glass, non-production) so the
# allow decision still records them.
reasons_for(findings, effect) := {r |
	some f in findings
	verdict(f.class) == effect
	r := {"rule": f.rule, "message": concat("", [f.message, suffix[effect], audience, " on ", where])}
}

# A string field for a message, "?" when it is missing or not a string (a message must never be undefined,
# or the finding it belongs to would silently disappear).
text(obj, key) := v if {
	v := obj[key]
	is_string(v)
} else := "?"

suffix := {
	"deny": "; denied for ",
	"approve": "; needs approval for ",
	"allow": "; allowed for ",
}
