# Approval grants in force for this request: the session's own, and those of the same identity on the same
# target (the gateway puts only those in input.session.grants). An unexpired grant covers the command when its
# scope is the session or the target, or when its digest (scope statement) or fingerprint (scope fingerprint)
# matches, and when the people who approved it would satisfy the approval this command needs now (grant_quorum).
# A grant only ever lifts approve reasons; it never lifts a deny.
package warden

grant_matches(g) if g.scope == "session"

grant_matches(g) if g.scope == "target"

grant_matches(g) if {
	g.scope == "statement"
	is_string(g.digest)
	g.digest == input.command.digest
}

grant_matches(g) if {
	g.scope == "fingerprint"
	is_string(g.fingerprint)
	g.fingerprint == input.command.fingerprint
}

covering_grants contains g if {
	some g in input.session.grants
	is_number(g.expires_at_ns)
	grant_matches(g)
	grant_quorum(g)
	g.expires_at_ns > time.now_ns()
}

# A grant is what its approvers gave, under the rule and the policy that held the request it approved: as many
# people (`approvals`, counted as the approval store counts them) from the groups they approved as
# (`approver_groups`), for a scope. It covers a command only when that satisfies the approval the command needs
# now, so an approval one dba gave for one rule (or under an earlier policy) never stands in for one that needs
# security, two people or someone from every group, and a session or target grant never covers a command whose
# approval is narrower. A grant that does not say who approved it covers nothing.
grant_quorum(g) if {
	scope_rank[g.scope] <= scope_rank[approval.scope]
	is_number(g.approvals)
	g.approvals >= required_approvals
	is_array(g.approver_groups)
	grant_groups_suffice(g)
	grant_counts_suffice(g)
}

# Each rule's own count: as many different people from (some of) its groups as it asks for. A grant that does not
# say how many came from which groups covers no command that asks for such a count.
grant_counts_suffice(g) if {
	every q in object.get(approval, "quorums", []) {
		some c in object.get(g, "group_approvals", [])
		is_number(c.approvals)
		c.approvals >= q.min_approvals
		is_array(c.groups)
		every grp in c.groups {
			grp in q.groups
		}
	}
}

grant_groups_suffice(g) if {
	not approval.all_groups
	not approval.approver_sets
	some grp in g.approver_groups
	grp in approval.approvers
}

grant_groups_suffice(g) if {
	approval.approver_sets
	every set in approval.approver_sets {
		some grp in g.approver_groups
		grp in set
	}
}

grant_groups_suffice(g) if {
	approval.all_groups
	every grp in approval.approvers {
		grp in g.approver_groups
	}
}

covered if count(covering_grants) > 0

# The gateway reads the grant id back from "(grant <id>, " to re-judge a statement when that grant expires
# (proxy/postgres/judge.ts grantDeadline): keep that part of the message as it is.
grant_reasons contains {"rule": "warden.grant", "message": msg} if {
	some g in covering_grants
	msg := concat("", [
		"approved by ", text_or(g, "approved_by", "an unknown approver"),
		" (grant ", text_or(g, "id", "without id"), ", scope ", g.scope, ")",
	])
}
