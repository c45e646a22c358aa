package warden.settings_test

import data.warden.settings

test_defaults_without_configured_settings if {
	settings.current == settings.defaults
	settings.current.approver_groups == ["dba"]
	settings.current.approval_ttl_seconds == 3600
}

test_configured_settings_merge_over_defaults if {
	s := settings.current with data.settings as {"approver_groups": ["oncall"], "kubernetes": {"production_namespaces": ["prod"]}}
	s.approver_groups == ["oncall"]
	s.kubernetes.production_namespaces == ["prod"]
	s.kubernetes.nonresource_read_paths == settings.defaults.kubernetes.nonresource_read_paths
	s.break_glass_groups == ["breakglass"]
}

test_non_object_settings_are_ignored if {
	s := settings.current with data.settings as "oops"
	s == settings.defaults
}

test_every_verdict_cell_is_valid if {
	columns := {"agent_production", "human_production", "break_glass", "agent_other", "human_other"}
	every _, row in settings.verdicts {
		{c | some c, _ in row} == columns
		every _, v in row {
			v in {"allow", "approve", "deny"}
		}
	}
}
