package warden.settings_test

import data.warden.inputs_test as t
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

test_empty_settings_are_the_defaults if {
	s := settings.current with data.settings as {}
	s == settings.defaults
	s == data.warden.catalog.defaults
}

# A bundle loaded without its data.json (the catalog) must not open anything: every request is denied.
test_missing_catalog_fails_closed if {
	every doc in [
		t.sql(t.agent, t.prod_db, [t.read("select")]),
		t.sql(t.break_glass, t.staging_db, [t.read("select")]),
		t.kubernetes(t.agent, t.prod_k8s, {}),
		t.cloud(t.human, t.prod_gcp, {"method": "compute.instances.list", "read_only": true}),
		t.http(t.agent, t.prod_http, "GET", "/"),
	] {
		d := data.warden.decision with input as doc with data.warden.catalog as {}
		d.effect == "deny"
	}
}
