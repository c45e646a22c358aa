package warden.kubernetes_workloads_test

import data.warden.inputs_test as t

# A write in the non-production namespace `sandbox` carrying `body` (or a body_error).
write_doc(identity, http) := doc if {
	base := t.kubernetes(identity, t.prod_k8s, {"verb": "patch", "namespace": "sandbox", "resource": "deployments", "api_group": "apps", "name": "web"})
	doc := object.union(base, {"command": {"http": http}})
}

rules(d) := {r.rule | some r in d.reasons}

test_secret_references_in_any_shape_need_approval if {
	every body in [
		{"spec": {"template": {"spec": {"volumes": [{"name": "s", "secret": {"secretName": "db"}}]}}}},
		{"spec": {"containers": [{"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}]}]}},
		{"spec": {"containers": [{"envFrom": [{"secretRef": {"name": "db"}}]}]}},
		[{"op": "add", "path": "/spec/template/spec/volumes/0/secret", "value": {"secretName": "db"}}],
		{"spec": {"template": {"spec": {"volumes": [{"name": "v", "csi": {"driver": "secrets-store.csi.k8s.io", "volumeAttributes": {"secretProviderClass": "db"}}}]}}}},
		[{"op": "add", "path": "/spec/template/spec/volumes/-", "value": {"name": "v", "csi": {"driver": "csi.cert-manager.io"}}}],
	] {
		d := data.warden.decision with input as write_doc(t.agent, {"body": body})
		d.effect == "approve"
		"warden.rules.kubernetes.workload_secret" in rules(d)
	}
}

test_host_access_is_denied_for_agents if {
	every body in [
		{"spec": {"containers": [{"securityContext": {"privileged": true}}]}},
		{"spec": {"hostPID": true}},
		{"spec": {"hostIPC": "on"}},
		{"spec": {"containers": [{"securityContext": {"privileged": "yes"}}]}},
		{"spec": {"volumes": [{"name": "r", "hostPath": {"path": "/"}}]}},
		[{"op": "replace", "path": "/spec/template/spec/hostNetwork", "value": true}],
		{"spec": {"containers": [{"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}},
		[{"op": "add", "path": "/spec/containers/0/securityContext/capabilities/add/-", "value": "CAP_SYS_PTRACE"}],
	] {
		d := data.warden.decision with input as write_doc(t.agent, {"body": body})
		d.effect == "deny"
		"warden.rules.kubernetes.host_access" in rules(d)
	}
}

test_unread_bodies_and_blind_patches_need_approval if {
	every http in [
		{"body_error": "unsupported content type application/vnd.kubernetes.protobuf"},
		{"body": [{"op": "copy", "from": "/spec/template/spec/volumes/0", "path": "/spec/template/spec/volumes/1"}]},
	] {
		d := data.warden.decision with input as write_doc(t.agent, http)
		d.effect == "approve"
		"warden.rules.kubernetes.unread_body" in rules(d)
	}
}

test_ordinary_bodies_and_false_flags_pass if {
	every body in [
		{"spec": {"replicas": 3}},
		{"spec": {"containers": [{"securityContext": {"privileged": false}}], "hostNetwork": false}},
		{"spec": {"tls": [{"secretName": "cert"}]}},
		{"spec": {"containers": [{"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}]}},
		{"spec": {"serviceAccountName": "default"}},
		{"spec": {"hostNetwork": "no", "hostPID": "off"}},
	] {
		d := data.warden.decision with input as write_doc(t.agent, {"body": body})
		d.effect == "allow"
	}
}

test_ephemeral_containers_write_is_interactive if {
	d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "patch", "namespace": "sandbox", "name": "web-1", "subresource": "ephemeralcontainers"})
	d.effect == "approve"
	"warden.rules.kubernetes.interactive" in rules(d)
	r := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "get", "namespace": "sandbox", "name": "web-1", "subresource": "ephemeralcontainers"})
	r.effect == "allow"
}

test_another_service_account_needs_approval if {
	every body in [
		{"spec": {"template": {"spec": {"serviceAccountName": "deployer"}}}},
		[{"op": "replace", "path": "/spec/template/spec/serviceAccountName", "value": "deployer"}],
	] {
		d := data.warden.decision with input as write_doc(t.agent, {"body": body})
		d.effect == "approve"
		"warden.rules.kubernetes.workload_service_account" in rules(d)
	}
}

test_secret_test_op_is_an_oracle if {
	base := t.kubernetes(t.agent, t.prod_k8s, {"verb": "patch", "namespace": "sandbox", "resource": "secrets", "name": "db"})
	doc := object.union(base, {"command": {"http": {"body": [{"op": "test", "path": "/data/password", "value": "aGk="}]}}})
	d := data.warden.decision with input as doc
	d.effect == "approve"
	"warden.rules.kubernetes.secret_oracle" in rules(d)
}

test_test_op_on_masked_workload_values_is_an_oracle if {
	body := [{"op": "test", "path": "/spec/containers/0/env/0/value", "value": "guess"}]
	d := data.warden.decision with input as write_doc(t.agent, {"body": body})
	d.effect == "approve"
	"warden.rules.kubernetes.secret_oracle" in rules(d)
}

apply_doc(k, query, body) := object.union(t.kubernetes(t.agent, t.prod_k8s, k), {"command": {"http": {
	"headers": {"content-type": "application/apply-patch+yaml"}, "query": query, "body": body,
}}})

deployment := {"verb": "patch", "namespace": "sandbox", "resource": "deployments", "api_group": "apps", "name": "api"}

env_body := {"spec": {"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "P", "value": "guess"}]}]}}}}

test_apply_without_force_setting_a_masked_value_is_an_oracle if {
	secret := {"verb": "patch", "namespace": "sandbox", "resource": "secrets", "name": "db"}
	every c in [
		{"k": deployment, "query": {"fieldManager": ["a"]}, "body": env_body},
		{"k": deployment, "query": {"force": ["false"]}, "body": env_body},
		{"k": deployment, "query": {"Force": ["true"]}, "body": env_body},
		{"k": deployment, "query": {}, "body": {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}}},
		{"k": secret, "query": {}, "body": {"data": {"password": "Z3Vlc3M="}}},
		{"k": secret, "query": {"force": ["true"]}, "body": {"stringData": {"password": "guess"}}},
	] {
		d := data.warden.decision with input as apply_doc(c.k, c.query, c.body)
		d.effect == "approve"
		"warden.rules.kubernetes.secret_oracle" in rules(d)
	}

	# A forced apply compares nothing (its new env is held as a change of what the workload runs, workload_code).
	every query in [{"force": ["true"]}, {"force": [""]}] {
		d := data.warden.decision with input as apply_doc(deployment, query, env_body)
		not "warden.rules.kubernetes.secret_oracle" in rules(d)
	}
	plain := data.warden.decision with input as apply_doc(deployment, {}, {"metadata": {"labels": {"tier": "web"}}, "spec": {"replicas": 2}})
	plain.effect == "allow"
}

test_configmap_values_set_where_the_answer_compares_are_an_oracle if {
	cm := {"verb": "patch", "namespace": "sandbox", "resource": "configmaps", "name": "cfg"}
	every c in [
		{"query": {}, "body": {"data": {"aws": "AKIAIOSFODNN7EXAMPLE"}}},
		{"query": {"dryRun": ["All"], "force": ["true"]}, "body": {"binaryData": {"k": "Z3Vlc3M="}}},
	] {
		d := data.warden.decision with input as apply_doc(cm, c.query, c.body)
		d.effect == "approve"
		"warden.rules.kubernetes.secret_oracle" in rules(d)
	}
	dry := data.warden.decision with input as object.union(t.kubernetes(t.agent, t.prod_k8s, cm), {"command": {"http": {"body": [{"op": "replace", "path": "/data/aws", "value": "guess"}], "query": {"dryRun": ["All"]}}}})
	"warden.rules.kubernetes.secret_oracle" in rules(dry)

	# A merge patch changes the value, and a forced apply too: neither compares.
	every c in [
		{"query": {}, "body": {"data": {"aws": "x"}}, "type": "application/merge-patch+json"},
		{"query": {"force": ["true"]}, "body": {"data": {"aws": "x"}}, "type": "application/apply-patch+yaml"},
		{"query": {}, "body": {"metadata": {"labels": {"a": "b"}}}, "type": "application/apply-patch+yaml"},
	] {
		d := data.warden.decision with input as object.union(t.kubernetes(t.agent, t.prod_k8s, cm), {"command": {"http": {"headers": {"content-type": c.type}, "query": c.query, "body": c.body}}})
		d.effect == "allow"
	}
}

test_writes_to_immutable_masked_values_are_an_oracle if {
	every c in [
		{"k": {"verb": "patch", "namespace": "sandbox", "resource": "secrets", "name": "db"}, "body": {"data": {"password": "Z3Vlc3M="}}},
		{"k": {"verb": "update", "namespace": "sandbox", "resource": "secrets", "name": "db"}, "body": {"metadata": {"name": "db"}, "data": {"password": "Z3Vlc3M="}}},
		{"k": {"verb": "patch", "namespace": "sandbox", "resource": "pods", "name": "web"}, "body": {"spec": {"containers": [{"name": "c", "env": [{"name": "P", "value": "guess"}]}]}}},
		{"k": {"verb": "patch", "namespace": "sandbox", "resource": "pods", "name": "web"}, "body": [{"op": "replace", "path": "/spec/containers/0/env/0/value", "value": "guess"}]},
		{"k": {"verb": "patch", "namespace": "sandbox", "resource": "pods", "name": "web"}, "body": [{"op": "replace", "path": "/spec/containers/0/env", "value": [{"name": "P", "value": "guess"}]}]},
		{"k": {"verb": "patch", "namespace": "sandbox", "resource": "jobs", "api_group": "batch", "name": "migrate"}, "body": env_body},
	] {
		doc := object.union(t.kubernetes(t.agent, t.prod_k8s, c.k), {"command": {"http": {"body": c.body}}})
		d := data.warden.decision with input as doc
		d.effect == "approve"
		"warden.rules.kubernetes.secret_oracle" in rules(d)
	}

	# A Deployment's env is mutable: a merge patch changes it, and answers nothing about the old value; as a dry
	# run it answers through the generation of the object returned. (Held all the same as workload_code.)
	m := data.warden.decision with input as write_doc(t.agent, {"body": env_body})
	not "warden.rules.kubernetes.secret_oracle" in rules(m)
	dry := data.warden.decision with input as write_doc(t.agent, {"body": env_body, "query": {"dryRun": ["All"]}})
	dry.effect == "approve"
	"warden.rules.kubernetes.secret_oracle" in rules(dry)

	# A new Secret compares with nothing.
	n := data.warden.decision with input as object.union(t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "namespace": "sandbox", "resource": "secrets"}), {"command": {"http": {"body": {"data": {"a": "Yg=="}}}}})
	n.effect == "allow"
}

test_local_persistent_volume_is_host_access if {
	base := t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "namespace": "", "resource": "persistentvolumes"})
	doc := object.union(base, {"command": {"http": {"body": {"spec": {"local": {"path": "/"}}}}}})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	"warden.rules.kubernetes.host_access" in rules(d)
	label := object.union(base, {"command": {"http": {"body": {"metadata": {"labels": {"local": "yes"}}, "spec": {"nfs": {"path": "/x"}}}}}})
	l := data.warden.decision with input as label
	not "warden.rules.kubernetes.host_access" in rules(l)
}

test_crd_conversion_webhook_is_interception if {
	crd := {"verb": "patch", "namespace": "", "api_group": "apiextensions.k8s.io", "resource": "customresourcedefinitions", "name": "dbs.example.com"}
	every body in [
		{"spec": {"conversion": {"strategy": "Webhook", "webhook": {"clientConfig": {"url": "https://x.example/convert"}}}}},
		[{"op": "add", "path": "/spec/conversion/webhook", "value": {"clientConfig": {"url": "https://x.example/"}}}],
		[{"op": "replace", "path": "/spec/conversion/strategy", "value": "Webhook"}],
	] {
		doc := object.union(t.kubernetes(t.agent, t.prod_k8s, crd), {"command": {"http": {"body": body}}})
		d := data.warden.decision with input as doc
		d.effect == "deny"
		"warden.rules.kubernetes.interception" in rules(d)
	}
	every body in [
		{"spec": {"conversion": {"strategy": "None", "webhook": null}}},
		{"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"properties": {"webhook": {"properties": {"clientConfig": {"type": "object"}}}}}}}]}},
		[{"op": "remove", "path": "/spec/conversion/webhook"}],
	] {
		plain := object.union(t.kubernetes(t.agent, t.prod_k8s, crd), {"command": {"http": {"body": body}}})
		p := data.warden.decision with input as plain
		not "warden.rules.kubernetes.interception" in rules(p)
	}
}

test_service_external_ips_are_interception if {
	svc := {"verb": "patch", "namespace": "sandbox", "resource": "services", "name": "db"}
	every c in [
		{"k": svc, "body": {"spec": {"externalIPs": ["10.0.0.5"]}}},
		{"k": svc, "body": [{"op": "add", "path": "/spec/externalIPs/-", "value": "10.0.0.5"}]},
		{"k": object.union(svc, {"subresource": "status"}), "body": {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.5"}]}}}},
	] {
		doc := object.union(t.kubernetes(t.agent, t.prod_k8s, c.k), {"command": {"http": {"body": c.body}}})
		d := data.warden.decision with input as doc
		d.effect == "deny"
		"warden.rules.kubernetes.interception" in rules(d)
	}
	every body in [{"spec": {"ports": [{"port": 80}]}}, {"spec": {"externalIPs": []}}, {"spec": {"externalIPs": null}}, {"metadata": {"annotations": {"externalIPs": "10.0.0.5"}}}] {
		doc := object.union(t.kubernetes(t.agent, t.prod_k8s, svc), {"command": {"http": {"body": body}}})
		d := data.warden.decision with input as doc
		d.effect == "allow"
	}
}

test_service_account_token_secret_mints_a_token if {
	base := t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "namespace": "sandbox", "resource": "secrets"})
	doc := object.union(base, {"command": {"http": {"body": {"type": "kubernetes.io/service-account-token", "metadata": {"annotations": {"kubernetes.io/service-account.name": "deployer"}}}}}})
	d := data.warden.decision with input as doc
	d.effect == "approve"
	"warden.rules.kubernetes.token" in rules(d)
	opaque := object.union(base, {"command": {"http": {"body": {"type": "Opaque", "data": {"a": "Yg=="}}}}})
	o := data.warden.decision with input as opaque
	o.effect == "allow"
}

test_webhooks_and_api_services_are_privilege if {
	every c in [
		{"api_group": "admissionregistration.k8s.io", "resource": "mutatingwebhookconfigurations"},
		{"api_group": "admissionregistration.k8s.io", "resource": "validatingwebhookconfigurations"},
		{"api_group": "apiregistration.k8s.io", "resource": "apiservices"},
		{"api_group": "admissionregistration.k8s.io", "resource": "validatingadmissionpolicies"},
		{"api_group": "admissionregistration.k8s.io", "resource": "validatingadmissionpolicybindings"},
		{"api_group": "admissionregistration.k8s.io", "resource": "mutatingadmissionpolicies"},
		{"api_group": "admissionregistration.k8s.io", "resource": "mutatingadmissionpolicybindings"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, object.union(c, {"verb": "create", "namespace": ""}))
		d.effect == "deny"
		"warden.rules.kubernetes.interception" in rules(d)
		h := data.warden.decision with input as t.kubernetes(t.human, t.prod_k8s, object.union(c, {"verb": "create", "namespace": ""}))
		h.effect == "approve"
	}
}

test_system_namespaces_count_as_production if {
	d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "patch", "namespace": "kube-system", "resource": "daemonsets", "api_group": "apps", "name": "kube-proxy"})
	d.effect == "approve"
	"warden.rules.kubernetes.write" in rules(d)
	s := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "patch", "namespace": "sandbox", "resource": "daemonsets", "api_group": "apps", "name": "x"})
	s.effect == "allow"
}

test_configmap_and_secret_keys_are_data if {
	every resource in ["configmaps", "secrets"] {
		base := t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "namespace": "sandbox", "resource": resource})
		doc := object.union(base, {"command": {"http": {"body": {"data": {"secret": "x", "privileged": "true", "hostPath": "/"}}}}})
		d := data.warden.decision with input as doc
		d.effect == "allow"
	}
}

# The env masks are kept in data (built once, not on every evaluation): they must be exactly the paths the
# rules above describe, in order, each with the env_values rule.
test_env_value_masks_are_the_described_paths if {
	expected := [{"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.env_values"} |
		some p in array.concat(data.warden.rules.kubernetes.workload_env_paths, data.warden.rules.kubernetes.workload_annotation_paths)
	]
	data.warden.catalog.kubernetes.env_value_masks == expected
}

test_custom_resource_env_value_masks_are_the_described_paths if {
	expected := [{"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.env_values"} |
		some p in data.warden.rules.kubernetes.custom_env_paths
	]
	data.warden.catalog.kubernetes.custom_resource_env_value_masks == expected
}
