package warden.decision_test

import data.warden.inputs_test as t

# A valid document that no default rule objects to; the mocked rule packages decide.
doc := t.sql(t.agent, t.staging_db, [])

test_missing_input_is_denied if {
	d := data.warden.decision
	d.effect == "deny"
	d.reasons == [{"rule": "warden.input", "message": "the input document is missing or not an object; it cannot be judged"}]
}

test_non_object_input_is_denied if {
	d := data.warden.decision with input as [1]
	d.effect == "deny"
	{r.rule | some r in d.reasons} == {"warden.input"}
}

test_each_required_field_is_checked if {
	every field in ["sub", "kind"] {
		d := data.warden.decision with input as json.remove(doc, [concat("/", ["identity", field])])
		d.effect == "deny"
		some r in d.reasons
		r.message == concat("", ["the input document has no identity.", field, "; it cannot be judged"])
	}
	every field in ["name", "kind", "environment"] {
		d := data.warden.decision with input as json.remove(doc, [concat("/", ["target", field])])
		d.effect == "deny"
		some r in d.reasons
		r.message == concat("", ["the input document has no target.", field, "; it cannot be judged"])
	}
	d := data.warden.decision with input as json.remove(doc, ["command/protocol"])
	d.effect == "deny"
}

test_missing_groups_is_denied if {
	d := data.warden.decision with input as json.remove(doc, ["identity/groups"])
	d.effect == "deny"
	d.reasons[0].message == "the input document has no identity.groups list; it cannot be judged"
}

test_no_rules_firing_is_allow_without_reasons if {
	d := data.warden.decision with input as doc with data.warden.rules as {}
	d == {"effect": "allow", "reasons": [], "obligations": {"mask": []}}
}

test_string_reason_gets_the_package_rule if {
	d := data.warden.decision with input as doc with data.warden.rules as {"pkg": {"deny": ["nope"]}}
	d.effect == "deny"
	d.reasons == [{"rule": "warden.rules.pkg", "message": "nope"}]
}

test_object_reason_keeps_rule_and_message if {
	d := data.warden.decision with input as doc with data.warden.rules as {"pkg": {"deny": [{"rule": "custom.rule", "message": "why"}, {"message": "no rule"}]}}
	d.reasons == [{"rule": "custom.rule", "message": "why"}, {"rule": "warden.rules.pkg", "message": "no rule"}]
}

test_malformed_reason_still_denies if {
	d := data.warden.decision with input as doc with data.warden.rules as {"pkg": {"deny": [42]}}
	d.effect == "deny"
	d.reasons[0].rule == "warden.rules.pkg"
	d.reasons[0].message == "the package produced a reason that is neither a string nor an object"
}

test_deny_beats_approve_and_lists_only_denials if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["hold"]}, "b": {"deny": ["stop"]}}
	d.effect == "deny"
	d.reasons == [{"rule": "warden.rules.b", "message": "stop"}]
	not d.obligations.approval
}

test_reasons_sorted_by_rule_then_message if {
	d := data.warden.decision with input as doc with data.warden.rules as {"b": {"deny": ["z", "a"]}, "a": {"deny": ["m"]}}
	d.reasons == [
		{"rule": "warden.rules.a", "message": "m"},
		{"rule": "warden.rules.b", "message": "a"},
		{"rule": "warden.rules.b", "message": "z"},
	]
}

test_approve_gets_default_approval if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["hold"]}}
	d.effect == "approve"
	d.reasons == [{"rule": "warden.rules.a", "message": "hold"}]
	d.obligations.approval == {"approvers": ["dba"], "scope": "statement", "ttl_seconds": 3600}
}

test_approval_defaults_come_from_settings if {
	d := data.warden.decision with input as doc
		with data.warden.rules as {"a": {"approve": ["hold"]}}
		with data.settings as {"approver_groups": ["oncall"], "approval_scope": "fingerprint", "approval_ttl_seconds": 60}
	d.obligations.approval == {"approvers": ["oncall"], "scope": "fingerprint", "ttl_seconds": 60}
}

test_invalid_settings_fall_back if {
	d := data.warden.decision with input as doc
		with data.warden.rules as {"a": {"approve": ["hold"]}}
		with data.settings as {"approval_scope": "forever", "approval_ttl_seconds": 0.5}
	d.obligations.approval == {"approvers": ["dba"], "scope": "statement", "ttl_seconds": 3600}
}

# Each rule's approvers must be met: a rule that asks security is not satisfied by the dba another rule accepts.
test_approvals_merge_every_rules_groups_narrowest_smallest if {
	d := data.warden.decision with input as doc with data.warden.rules as {
		"a": {"approve": ["one"], "approval": [{"approvers": ["security"], "scope": "session", "ttl_seconds": 600}]},
		"b": {"approve": ["two"]},
		"c": {"approval": [{"approvers": ["ignored"], "scope": "session", "ttl_seconds": 1}]},
	}
	d.effect == "approve"
	d.obligations.approval == {"approvers": ["dba", "security"], "scope": "statement", "ttl_seconds": 600, "all_groups": true}
}

# "One of dba or sre" (the settings) and "security" (a rule): one of each, which all_groups cannot say.
test_approvals_merge_sets_of_groups if {
	rules := {"a": {"approve": ["one"], "approval": [{"approvers": ["security"]}]}, "b": {"approve": ["two"]}}
	d := data.warden.decision with input as doc with data.warden.rules as rules with data.settings as {"approver_groups": ["dba", "sre"]}
	d.obligations.approval == {"approvers": ["dba", "security", "sre"], "scope": "statement", "ttl_seconds": 3600, "approver_sets": [["dba", "sre"], ["security"]]}

	# A rule asking for dba alone, beside "dba or sre": dba is needed (sre may still approve toward a quorum).
	narrower := {"a": {"approve": ["one"], "approval": [{"approvers": ["dba"]}]}, "b": {"approve": ["two"]}}
	n := data.warden.decision with input as doc with data.warden.rules as narrower with data.settings as {"approver_groups": ["dba", "sre"]}
	n.obligations.approval == {"approvers": ["dba", "sre"], "scope": "statement", "ttl_seconds": 3600, "approver_sets": [["dba"]]}

	# The same groups from two rules, or one rule alone, stay "one from any".
	same := {"a": {"approve": ["one"], "approval": [{"approvers": ["sre", "dba"]}]}, "b": {"approve": ["two"]}}
	s := data.warden.decision with input as doc with data.warden.rules as same with data.settings as {"approver_groups": ["dba", "sre"]}
	s.obligations.approval == {"approvers": ["dba", "sre"], "scope": "statement", "ttl_seconds": 3600}
}

# A grant from a dba covers neither a command that also needs security, nor one that needs dba beside "dba or sre".
test_grant_covers_only_when_every_set_is_met if {
	effects := [d.effect |
		some groups in [["dba"], ["security"], ["sre", "security"], ["dba", "security"]]
		d := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approver_groups": groups})])
			with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"approvers": ["security"]}]}, "b": {"approve": ["two"]}}
			with data.settings as {"approver_groups": ["dba", "sre"]}
			with time.now_ns as 1000
	]
	effects == ["approve", "approve", "allow", "allow"]
}

test_approval_without_approvers_denies if {
	d := data.warden.decision with input as doc
		with data.warden.rules as {"a": {"approve": ["hold"]}}
		with data.settings as {"approver_groups": []}
	d.effect == "deny"
	d.reasons == [{"rule": "warden.policy", "message": "the request needs approval but no approver group is configured (settings.approver_groups is empty)"}]
}

test_partial_approval_is_completed if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"scope": "fingerprint", "approvers": [], "ttl_seconds": 999999999}]}}
	d.obligations.approval == {"approvers": ["dba"], "scope": "fingerprint", "ttl_seconds": 3600}
}

test_quorum_rules_merge_most_people_and_all_groups if {
	d := data.warden.decision with input as doc with data.warden.rules as {
		"a": {"approve": ["one"], "approval": [{"approvers": ["security"], "min_approvals": 2}]},
		"b": {"approve": ["two"], "approval": [{"approvers": ["dba"], "all_groups": true, "min_approvals": 3}]},
	}
	d.obligations.approval == {
		"approvers": ["dba", "security"], "scope": "statement", "ttl_seconds": 3600, "min_approvals": 3, "all_groups": true,
		"quorums": [{"groups": ["dba"], "min_approvals": 3}, {"groups": ["security"], "min_approvals": 2}],
	}
}

# Two rules each asking for two people, one from security and one from dba, need two of each, not two in all.
test_each_rule_keeps_its_own_count if {
	rules := {
		"a": {"approve": ["one"], "approval": [{"approvers": ["security"], "min_approvals": 2}]},
		"b": {"approve": ["two"], "approval": [{"approvers": ["dba"], "min_approvals": 2}]},
	}
	d := data.warden.decision with input as doc with data.warden.rules as rules
	d.obligations.approval.quorums == [{"groups": ["dba"], "min_approvals": 2}, {"groups": ["security"], "min_approvals": 2}]

	# A count over every approver group is min_approvals alone; one implied by another is left out.
	one := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"approvers": ["dba", "sre"], "min_approvals": 2}]}}
	not one.obligations.approval.quorums
	implied := data.warden.decision with input as doc with data.warden.rules as {
		"a": {"approve": ["one"], "approval": [{"approvers": ["dba", "sre"], "min_approvals": 2}]},
		"b": {"approve": ["two"], "approval": [{"approvers": ["dba"], "min_approvals": 3}]},
		"c": {"approve": ["three"], "approval": [{"approvers": ["security"]}]},
	}
	implied.obligations.approval.quorums == [{"groups": ["dba"], "min_approvals": 3}]

	# A grant from one security and one dba (two people in all) does not cover it; two of each does.
	effects := [e.effect |
		some counts in [
			[{"groups": ["dba"], "approvals": 1}, {"groups": ["security"], "approvals": 1}],
			[{"groups": ["dba"], "approvals": 2}, {"groups": ["security"], "approvals": 1}],
			[{"groups": ["dba"], "approvals": 2}, {"groups": ["security"], "approvals": 2}],
		]
		g := grant({"scope": "statement", "digest": "d1", "approver_groups": ["dba", "security"], "approvals": 4, "group_approvals": counts})
		e := data.warden.decision with input as with_grants([g]) with data.warden.rules as rules with time.now_ns as 1000
	]
	effects == ["approve", "approve", "allow"]
	no_counts := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approver_groups": ["dba", "security"], "approvals": 4})])
		with data.warden.rules as rules
		with time.now_ns as 1000
	no_counts.effect == "approve"
}

test_quorum_defaults_stay_out_of_the_obligation if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"min_approvals": 1, "all_groups": false}]}}
	d.obligations.approval == {"approvers": ["dba"], "scope": "statement", "ttl_seconds": 3600}
	bad := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"min_approvals": 0.5}]}}
	bad.obligations.approval == {"approvers": ["dba"], "scope": "statement", "ttl_seconds": 3600}
}

test_target_scope_is_the_widest if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["one"], "approval": [{"scope": "target"}]}}
	d.obligations.approval.scope == "target"
	both := data.warden.decision with input as doc with data.warden.rules as {
		"a": {"approve": ["one"], "approval": [{"scope": "target"}]},
		"b": {"approve": ["two"], "approval": [{"scope": "session"}]},
	}
	both.obligations.approval.scope == "session"
}

grant(fields) := object.union({"id": "g1", "approved_by": "dana", "scope": "session", "expires_at_ns": 2000, "approver_groups": ["dba"], "approvals": 1}, fields)

with_grants(grants) := object.union(doc, {"session": {"grants": grants}})

test_valid_session_grant_covers_approval if {
	d := data.warden.decision with input as with_grants([grant({})]) with data.warden.rules as {"a": {"approve": ["hold"], "info": ["noted"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	d.effect == "allow"
	d.reasons == [
		{"rule": "warden.grant", "message": "approved by dana (grant g1, scope session)"},
		{"rule": "warden.rules.a", "message": "hold"},
		{"rule": "warden.rules.a", "message": "noted"},
	]
	not d.obligations.approval
}

test_expired_grant_does_not_cover if {
	d := data.warden.decision with input as with_grants([grant({"expires_at_ns": 1000})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	d.effect == "approve"
}

test_statement_grant_needs_matching_digest if {
	e1 := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	e1.effect == "allow"
	e2 := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "other"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	e2.effect == "approve"
	e3 := data.warden.decision with input as with_grants([grant({"scope": "statement"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	e3.effect == "approve"
}

test_fingerprint_grant_needs_matching_fingerprint if {
	e4 := data.warden.decision with input as with_grants([grant({"scope": "fingerprint", "fingerprint": "f1"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	e4.effect == "allow"
	e5 := data.warden.decision with input as with_grants([grant({"scope": "fingerprint", "fingerprint": "f2"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	e5.effect == "approve"
	e6 := data.warden.decision with input as with_grants([grant({"scope": "fingerprint", "digest": "d1"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	e6.effect == "approve"
}

test_target_grant_covers_any_command if {
	d := data.warden.decision with input as with_grants([grant({"scope": "target"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	d.effect == "allow"
	d.reasons[0] == {"rule": "warden.grant", "message": "approved by dana (grant g1, scope target)"}
}

test_unknown_scope_or_bad_expiry_does_not_cover if {
	e7 := data.warden.decision with input as with_grants([grant({"scope": "forever"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	e7.effect == "approve"
	e8 := data.warden.decision with input as with_grants([grant({"expires_at_ns": "later"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	e8.effect == "approve"
}

# A grant is what its approvers gave: it covers a command only when they would satisfy what this command asks
# now. Approved under another rule (or an earlier policy) by one dba, it does not cover what needs security, or
# two people, or someone from every group.
test_grant_does_not_cover_an_approval_its_approvers_would_not_satisfy if {
	rules := {"a": {"approve": ["secrets"], "approval": [{"approvers": ["security"]}]}}
	other := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1"})]) with data.warden.rules as rules with time.now_ns as 1000
	other.effect == "approve"
	ok := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approver_groups": ["security"]})]) with data.warden.rules as rules with time.now_ns as 1000
	ok.effect == "allow"

	two := {"a": {"approve": ["hold"], "approval": [{"min_approvals": 2}]}}
	one_person := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1"})]) with data.warden.rules as two with time.now_ns as 1000
	one_person.effect == "approve"
	two_people := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approvals": 2})]) with data.warden.rules as two with time.now_ns as 1000
	two_people.effect == "allow"

	every_group := {"a": {"approve": ["hold"], "approval": [{"approvers": ["dba", "security"], "all_groups": true}]}}
	one_group := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approver_groups": ["dba"]})]) with data.warden.rules as every_group with time.now_ns as 1000
	one_group.effect == "approve"
	both := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1", "approver_groups": ["dba", "security"]})]) with data.warden.rules as every_group with time.now_ns as 1000
	both.effect == "allow"
}

# A grant is no wider than what the command's approval allows now: a target grant one rule's approval made
# (scope target) does not cover a command whose rule approves one statement at a time, nor does a session grant
# outlive a policy change that narrowed the scope.
test_grant_wider_than_the_approval_scope_covers_nothing if {
	narrow := {"a": {"approve": ["hold"], "approval": [{"scope": "statement"}]}}
	target := data.warden.decision with input as with_grants([grant({"scope": "target"})]) with data.warden.rules as narrow with time.now_ns as 1000
	target.effect == "approve"
	session := data.warden.decision with input as with_grants([grant({"scope": "session"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "fingerprint"}]}} with time.now_ns as 1000
	session.effect == "approve"
	exact := data.warden.decision with input as with_grants([grant({"scope": "statement", "digest": "d1"})]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	exact.effect == "allow"
}

test_grant_without_its_approvers_covers_nothing if {
	bare := {"id": "g1", "approved_by": "dana", "scope": "session", "expires_at_ns": 2000}
	d := data.warden.decision with input as with_grants([bare]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	d.effect == "approve"
	odd := data.warden.decision with input as with_grants([grant({"approver_groups": "dba"}), grant({"approvals": "1"})]) with data.warden.rules as {"a": {"approve": ["hold"]}} with time.now_ns as 1000
	odd.effect == "approve"
}

test_grant_never_lifts_a_deny if {
	d := data.warden.decision with input as with_grants([grant({})]) with data.warden.rules as {"a": {"approve": ["hold"]}, "b": {"deny": ["stop"]}} with time.now_ns as 1000
	d.effect == "deny"
}

test_grant_without_approvals_adds_no_reason if {
	d := data.warden.decision with input as with_grants([grant({})]) with data.warden.rules as {"a": {"info": ["noted"]}} with time.now_ns as 1000
	d.reasons == [{"rule": "warden.rules.a", "message": "noted"}]
}

test_grant_note_tolerates_missing_fields if {
	d := data.warden.decision with input as with_grants([{"scope": "session", "expires_at_ns": 2000, "approver_groups": ["dba"], "approvals": 1}]) with data.warden.rules as {"a": {"approve": ["hold"], "approval": [{"scope": "target"}]}} with time.now_ns as 1000
	some r in d.reasons
	r == {"rule": "warden.grant", "message": "approved by an unknown approver (grant without id, scope session)"}
}

test_masks_are_normalised_sorted_and_deduplicated if {
	d := data.warden.decision with input as doc with data.warden.rules as {
		"a": {"mask": ["email", {"detector": "all"}, {"path": "data.*", "strategy": "redact"}]},
		"b": {"mask": [{"column": "email", "rule": "warden.rules.a"}, {"column": "card*", "strategy": "partial", "rule": "x"}]},
	}
	d.effect == "allow"
	d.obligations.mask == [
		{"column": "card*", "strategy": "partial", "rule": "x"},
		{"column": "email", "rule": "warden.rules.a"},
		{"detector": "all", "rule": "warden.rules.a"},
		{"path": "data.*", "strategy": "redact", "rule": "warden.rules.a"},
	]
}

test_masks_accumulate_on_approve_and_a_deny_carries_none if {
	e9 := data.warden.decision with input as doc with data.warden.rules as {"a": {"deny": ["x"], "mask": ["email"]}}
	e9.effect == "deny"
	e9.obligations == {"mask": []}
	e10 := data.warden.decision with input as doc with data.warden.rules as {"a": {"approve": ["x"], "mask": ["email"]}}
	e10.obligations.mask == [{"column": "email", "rule": "warden.rules.a"}]
}

test_invalid_masks_deny if {
	every m in [
		{"column": "a", "detector": "all"},
		{},
		{"column": "a", "strategy": "scramble"},
		{"detector": "credit_score"},
		{"column": ""},
		{"column": "a", "extra": "x"},
		{"column": 1},
		{"column": "a", "strategy": false},
		{"column": "a", "rule": false},
		{"column": "a", "rule": ""},
		{"column": "a", "rule": 7},
		{"column": "a", "strategy": "hash", "extra": "x"},
		{"column": "a", "strategy": "hash", "rule": "r", "extra": "x"},
		{"column": "a", "path": false},
		{"column": "a", "path": null},
		{"column": null},
		{"detector": "all", "rule": "r", "strategy": ""},
		{1: "a", "column": "b"},
		"",
		3,
	] {
		d := data.warden.decision with input as doc with data.warden.rules as {"a": {"mask": [m]}}
		d.effect == "deny"
		d.reasons[0].rule == "warden.policy"
	}
}

test_non_collection_rules_deny if {
	every name in ["deny", "approve", "info", "mask", "approval", "audit_redact"] {
		d := data.warden.decision with input as doc with data.warden.rules as {"a": {name: true}}
		d.effect == "deny"
		d.reasons == [{"rule": "warden.policy", "message": concat("", ["warden.rules.a.", name, " must be a set (write `", name, " contains … if …`)"])}]
	}
}

test_audit_redactions_are_collected if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"audit_redact": ["b.password", "a.token", 7]}, "b": {"audit_redact": ["a.token"]}}
	d.obligations.audit == {"redact": ["a.token", "b.password"]}
}

test_allow_lists_info_reasons if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"info": ["seen", {"rule": "r", "message": "m"}]}}
	d.effect == "allow"
	d.reasons == [{"rule": "r", "message": "m"}, {"rule": "warden.rules.a", "message": "seen"}]
}

test_valid_masks_survive_beside_an_invalid_one if {
	d := data.warden.decision with input as doc with data.warden.rules as {"a": {"mask": ["email", {"column": "x", "strategy": "scramble"}, {"path": "p", "strategy": "hash", "rule": "r"}]}}
	d.effect == "deny"
	d.reasons == [{"rule": "warden.policy", "message": "package warden.rules.a produced an invalid mask obligation (it needs exactly one of column, detector, path or source, all strings, a known strategy, detector and source)"}]
	d.obligations.mask == []
	masks := data.warden.masks with input as doc with data.warden.rules as {"a": {"mask": ["email", {"column": "x", "strategy": "scramble"}, {"path": "p", "strategy": "hash", "rule": "r"}]}}
	masks == [{"column": "email", "rule": "warden.rules.a"}, {"path": "p", "strategy": "hash", "rule": "r"}]
}

# A mask by source names one the gateway knows how to look up; any other is invalid (fail closed).
test_masks_by_source_must_name_a_known_source if {
	ok := data.warden.decision with input as doc with data.warden.rules as {"a": {"mask": [{"source": "kubernetes_pod_secrets", "rule": "r"}]}}
	ok.obligations.mask == [{"source": "kubernetes_pod_secrets", "rule": "r"}]
	every m in [{"source": "kubernetes_configmaps"}, {"source": "kubernetes_pod_secrets", "path": "a"}, {"source": ""}] {
		d := data.warden.decision with input as doc with data.warden.rules as {"a": {"mask": [m]}}
		d.effect == "deny"
		d.obligations.mask == []
	}
}

# A deny keeps its audit redactions but drops every mask, in production and elsewhere.
test_a_denied_sql_statement_carries_no_masks if {
	d := data.warden.decision with input as t.sql(t.agent, t.prod_db, [t.stmt("drop", {"tables": [t.table("users", "write")]})])
	d.effect == "deny"
	d.obligations.mask == []
}
