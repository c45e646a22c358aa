package warden.identity_test

import data.warden.inputs_test as t

test_unknown_identity_kind_is_denied if {
	d := data.warden.decision with input as t.sql(object.union(t.agent, {"kind": "service"}), t.staging_db, [])
	d.effect == "deny"
	d.reasons == [{"rule": "warden.rules.identity.kind", "message": "identity kind service is neither agent nor human"}]
}

test_agent_in_break_glass_group_is_noted_and_not_elevated if {
	agent := object.union(t.agent, {"groups": ["agents", "breakglass"]})
	d := data.warden.decision with input as t.sql(agent, t.prod_db, [t.stmt("drop", {})])
	d.effect == "deny"
	e := data.warden.decision with input as t.sql(agent, t.prod_db, [])
	e.reasons == [{"rule": "warden.rules.identity.break_glass", "message": "agent cursor is in break-glass group breakglass, which applies to humans only"}]
}
