# The approval obligation of an approve decision. Each package with approve reasons contributes its own
# `approval contains {approvers, scope, ttl_seconds, min_approvals, all_groups}` entries (missing fields from
# settings), or the settings defaults when it has none. Contributions merge: narrowest scope, smallest ttl, the
# most approvers required ("N of"), and every contribution's groups met: each asks for one approver from its
# groups (or, with all_groups, from each of them), and the request needs all of those at once. A rule that names
# security as its approvers is not satisfied by a dba another rule would accept. Any member of any contribution's
# groups may approve (`approvers`); what must be met is `all_groups` when it is one approver from each group,
# else `approver_sets` (one approver from each set) when it is not one approver from any group; and each
# contribution's own count (`quorums`: that many different people from its groups) when its groups are not all of
# `approvers`, whose count is `min_approvals`.
package warden

import data.warden.settings

scope_rank := {"statement": 0, "fingerprint": 1, "session": 2, "target": 3}

scope_by_rank := ["statement", "fingerprint", "session", "target"]

max_ttl_seconds := 604800

default_approvers := [g | some g in settings.current.approver_groups; is_string(g); g != ""]

default_scope := s if {
	s := settings.current.approval_scope
	scope_rank[s]
} else := "statement"

default_ttl := t if {
	t := settings.current.approval_ttl_seconds
	valid_ttl(t)
} else := 3600

ttl_of(a) := a.ttl_seconds if {
	valid_ttl(a.ttl_seconds)
} else := default_ttl

# A whole number of seconds in 1 .. max_ttl_seconds.
valid_ttl(t) if {
	is_number(t)
	t == round(t)
	t >= 1
	t <= max_ttl_seconds
}

approvers_of(a) := a.approvers if {
	is_array(a.approvers)
	count(a.approvers) > 0
	every g in a.approvers {
		is_string(g)
		g != ""
	}
} else := default_approvers

scope_of(a) := a.scope if {
	scope_rank[a.scope]
} else := default_scope

# A whole number of people in 2 .. 20; 1 (the default) is left out of the obligation.
min_approvals_of(a) := a.min_approvals if {
	is_number(a.min_approvals)
	a.min_approvals == round(a.min_approvals)
	a.min_approvals >= 1
	a.min_approvals <= 20
} else := 1

complete_approval(a) := {
	"approvers": approvers_of(a),
	"scope": scope_of(a),
	"ttl_seconds": ttl_of(a),
	"min_approvals": min_approvals_of(a),
	"all_groups": all_groups_of(a),
}

all_groups_of(a) if a.all_groups == true

else := false

default_approval := complete_approval({})

approval_specs contains complete_approval(a) if {
	some pkg in approving_packages
	some a in data.warden.rules[pkg].approval
	is_object(a)
}

approval_specs contains default_approval if {
	some pkg in approving_packages
	not shapes_approval(pkg)
}

shapes_approval(pkg) if {
	some a in data.warden.rules[pkg].approval
	is_object(a)
}

# Nobody could approve a request held without approvers: deny it instead.
policy_errors contains {"rule": "warden.policy", "message": msg} if {
	count(approving_packages) > 0
	not covered
	count(approval.approvers) == 0
	msg := "the request needs approval but no approver group is configured (settings.approver_groups is empty)"
}

approver_union := {g | some s in approval_specs; some g in s.approvers}

# The groups a contribution needs one approver from: each of its groups alone under all_groups, else all as one set.
spec_sets(s) := {{g} | some g in s.approvers} if s.all_groups == true

else := {{g | some g in s.approvers}}

required_sets_all := {set | some s in approval_specs; some set in spec_sets(s)}

# A set holding another is met whenever that one is: only the smallest are needed.
required_sets := {a | some a in required_sets_all; not holds_a_required_set(a)}

holds_a_required_set(a) if {
	some b in required_sets_all
	b != a
	count(b - a) == 0
}

# One approver from any of the approvers.
one_from_any if {
	count(required_sets) == 1
	some only in required_sets
	only == approver_union
}

# One approver from each of the approvers.
one_from_each if {
	every set in required_sets {
		count(set) == 1
	}
	count(required_sets) == count(approver_union)
}

base_approval := {
	"approvers": sort(approver_union),
	"scope": scope_by_rank[min({scope_rank[s.scope] | some s in approval_specs})],
	"ttl_seconds": min({s.ttl_seconds | some s in approval_specs}),
}

required_approvals := max({s.min_approvals | some s in approval_specs})

# Each contribution's own "N of": that many different people from its groups. Counting across contributions
# would let two rules each asking for two security (or two dba) be met by one of each. A count over every
# approver group is min_approvals; one implied by another (as many or more from fewer groups) is left out.
quorum_counts_all := {{"groups": sort({g | some g in s.approvers}), "min_approvals": s.min_approvals} |
	some s in approval_specs
	s.min_approvals > 1
	{g | some g in s.approvers} != approver_union
}

quorum_counts := {q | some q in quorum_counts_all; not implied_count(q)}

implied_count(q) if {
	some p in quorum_counts_all
	p != q
	p.min_approvals >= q.min_approvals
	count({g | some g in p.groups} - {g | some g in q.groups}) == 0
}

# Only what differs from "one approver from any group" is written into the obligation.
quorum_part := object.union_n([
	{k: v | k := "min_approvals"; v := required_approvals; v > 1},
	{k: true | k := "all_groups"; one_from_each; not one_from_any},
	{k: true | k := "all_groups"; one_from_each; some s in approval_specs; s.all_groups},
	{k: v | k := "approver_sets"; not one_from_any; not one_from_each; v := sort([sort(set) | some set in required_sets])},
	{k: v | k := "quorums"; count(quorum_counts) > 0; v := sort([q | some q in quorum_counts])},
])

approval := object.union(base_approval, quorum_part)
