package warden.kubernetes_workload_changes_test

import data.warden.inputs_test as t

patch_doc(fields, http) := object.union(
	t.kubernetes(t.agent, t.prod_k8s, object.union({"verb": "patch", "namespace": "sandbox"}, fields)),
	{"command": {"http": http}},
)

deployment := {"resource": "deployments", "api_group": "apps", "name": "api"}

rules(d) := {r.rule | some r in d.reasons}

test_patches_that_change_what_an_existing_workload_runs_are_held if {
	every c in [
		{"k": deployment, "body": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "evil"}]}}}}},
		{"k": deployment, "body": {"spec": {"template": {"spec": {"containers": [{"name": "c", "command": ["sh"]}]}}}}},
		{"k": deployment, "body": {"spec": {"template": {"spec": {"hostAliases": [{"ip": "10.0.0.9", "hostnames": ["db"]}]}}}}},
		{"k": deployment, "body": {"spec": {"template": {"spec": {"containers": [{"name": "c", "$patch": "delete"}]}}}}},
		{"k": deployment, "body": [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "evil"}]},
		{"k": deployment, "body": [{"op": "remove", "path": "/spec/template/spec/containers/0/command"}]},
		{"k": deployment, "body": [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "x", "image": "evil"}}]},
		{"k": deployment, "body": [{"op": "replace", "path": "/spec/template", "value": {"spec": {"containers": [{"name": "c", "image": "evil"}]}}}]},
		{"k": deployment, "body": [{"op": "replace", "path": "", "value": {"spec": {"replicas": 1}}}]},
		{"k": {"resource": "pods", "name": "web"}, "body": {"spec": {"containers": [{"name": "c", "image": "evil"}]}}},
		{"k": {"resource": "cronjobs", "api_group": "batch", "name": "nightly"}, "body": [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec/containers/0/args", "value": ["x"]}]},
		{"k": {"resource": "rollouts", "api_group": "argoproj.io", "name": "api"}, "body": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "evil"}]}}}}},
	] {
		d := data.warden.decision with input as patch_doc(c.k, {"body": c.body})
		d.effect == "approve"
		"warden.rules.kubernetes.workload_code" in rules(d)
	}
}

test_patches_that_place_or_size_pods_pass if {
	every c in [
		{"k": deployment, "body": {"spec": {"replicas": 3}}},
		{"k": deployment, "body": {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}}}},
		{"k": deployment, "body": {"spec": {"template": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}], "$setElementOrder/containers": [{"name": "c"}]}}}}},
		{"k": deployment, "body": {"spec": {"template": {"spec": {"nodeSelector": {"pool": "b"}, "tolerations": []}}}}},
		{"k": deployment, "body": [{"op": "replace", "path": "/spec/template/spec/containers/0/resources/limits/cpu", "value": "2"}]},
		{"k": deployment, "body": [{"op": "replace", "path": "/spec/replicas", "value": 2}]},
		{"k": deployment, "body": {"spec": {"containers": [{"image": "not-a-pod-spec-on-a-deployment"}]}}},
		{"k": {"resource": "services", "name": "web"}, "body": {"spec": {"selector": {"app": "web"}}}},
		{"k": {"resource": "widgets", "api_group": "example.com", "name": "w"}, "body": {"spec": {"size": 2}}},
	] {
		d := data.warden.decision with input as patch_doc(c.k, {"body": c.body})
		d.effect == "allow"
	}

	# A test op changes nothing (it is judged as an oracle, secret_oracle).
	probe := data.warden.decision with input as patch_doc(deployment, {"body": [{"op": "test", "path": "/spec/template/spec/containers/0/image", "value": "busybox"}]})
	not "warden.rules.kubernetes.workload_code" in rules(probe)
}

test_projected_service_account_token_is_held if {
	body := {"spec": {"volumes": [{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"audience": "vault", "path": "t"}}]}}]}}
	d := data.warden.decision with input as patch_doc({"verb": "create", "resource": "pods", "name": ""}, {"body": body})
	d.effect == "approve"
	"warden.rules.kubernetes.token" in rules(d)
}
