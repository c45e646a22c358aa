package warden.kubernetes_test

import data.warden.inputs_test as t

doc_of(c) := t.kubernetes(object.get(c, "identity", t.agent), object.get(c, "target", t.prod_k8s), c.k)

matches(c, d) if {
	print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
	d.effect == c.effect
	every rule in object.get(c, "rules", []) {
		some r in d.reasons
		r.rule == rule
	}
}

test_reads_are_allowed if {
	every c in [
		{"note": "get pod", "k": {"verb": "get", "name": "web-1"}, "effect": "allow"},
		{"note": "list pods everywhere", "k": {"verb": "list", "namespace": ""}, "effect": "allow"},
		{"note": "watch deployments", "k": {"verb": "watch", "api_group": "apps", "resource": "deployments"}, "effect": "allow"},
		{"note": "pod logs", "k": {"verb": "get", "name": "web-1", "subresource": "log"}, "effect": "allow"},
		{"note": "discovery as a resource request", "k": {"verb": "get", "resource": "", "namespace": ""}, "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_interactive_subresources_need_approval if {
	every c in [{"note": sub, "k": {"verb": "create", "name": "web-1", "subresource": sub, "namespace": "sandbox"}, "effect": "approve", "rules": ["warden.rules.kubernetes.interactive"]} |
		some sub in ["exec", "attach", "portforward", "proxy"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_node_proxy_is_denied if {
	every c in [{"note": "nodes/proxy", "k": {"verb": "get", "resource": "nodes", "namespace": "", "name": "n1", "subresource": "proxy"}, "effect": "deny", "rules": ["warden.rules.kubernetes.node_proxy"]}] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_writes_in_production_namespaces_need_approval if {
	every c in [
		{"note": "patch deployment in payments", "k": {"verb": "patch", "api_group": "apps", "resource": "deployments", "namespace": "payments", "name": "api"}, "effect": "approve", "rules": ["warden.rules.kubernetes.write"]},
		{"note": "delete pod in default", "k": {"verb": "delete", "name": "web-1"}, "effect": "approve"},
		{"note": "cluster-scoped create", "k": {"verb": "create", "api_group": "storage.k8s.io", "resource": "storageclasses", "namespace": ""}, "effect": "approve"},
		{"note": "create a namespace", "k": {"verb": "create", "resource": "namespaces", "namespace": ""}, "effect": "approve"},
		{"note": "write in a sandbox namespace", "k": {"verb": "create", "resource": "configmaps", "namespace": "sandbox"}, "effect": "allow"},
		{"note": "scale in kube-system", "k": {"verb": "update", "api_group": "apps", "resource": "deployments", "subresource": "scale", "namespace": "kube-system", "name": "coredns"}, "effect": "approve"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_production_namespaces_from_target_label if {
	target := object.union(t.prod_k8s, {"labels": {"production_namespaces": "sandbox, billing"}})
	e1 := data.warden.decision with input as t.kubernetes(t.agent, target, {"verb": "create", "resource": "configmaps", "namespace": "billing"})
	e1.effect == "approve"
	e2 := data.warden.decision with input as t.kubernetes(t.agent, target, {"verb": "create", "resource": "configmaps", "namespace": "payments"})
	e2.effect == "approve"
	e3 := data.warden.decision with input as t.kubernetes(t.agent, target, {"verb": "create", "resource": "configmaps", "namespace": "scratch"})
	e3.effect == "allow"
}

test_cluster_destruction_is_denied if {
	every c in [{"note": res, "k": {"verb": verb, "resource": res, "namespace": "", "api_group": group}, "effect": "deny", "rules": ["warden.rules.kubernetes.destroy"]} |
		some [res, group] in [["namespaces", ""], ["nodes", ""], ["persistentvolumes", ""], ["customresourcedefinitions", "apiextensions.k8s.io"]]
		some verb in ["delete", "deletecollection"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_deleting_a_sandbox_namespace_is_still_denied if {
	every c in [{"note": "delete namespace sandbox", "k": {"verb": "delete", "resource": "namespaces", "namespace": "sandbox", "name": "sandbox"}, "effect": "deny"}] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_rbac_writes_are_denied if {
	every c in [{"note": concat(" ", [verb, res]), "k": {"verb": verb, "api_group": "rbac.authorization.k8s.io", "resource": res}, "effect": "deny", "rules": ["warden.rules.kubernetes.rbac"]} |
		some res in ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
		some verb in ["create", "patch", "delete"]
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_rbac_reads_are_allowed if {
	every c in [{"note": "list clusterroles", "k": {"verb": "list", "api_group": "rbac.authorization.k8s.io", "resource": "clusterroles", "namespace": ""}, "effect": "allow"}] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_credentials_and_csr_approval if {
	every c in [
		{"note": "token request", "k": {"verb": "create", "resource": "serviceaccounts", "subresource": "token", "name": "builder", "namespace": "sandbox"}, "effect": "approve", "rules": ["warden.rules.kubernetes.token"]},
		{"note": "csr approval", "k": {"verb": "update", "api_group": "certificates.k8s.io", "resource": "certificatesigningrequests", "subresource": "approval", "namespace": "", "name": "c"}, "effect": "deny", "rules": ["warden.rules.kubernetes.csr_approval"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_impersonation_is_denied if {
	every header in ["Impersonate-User", "impersonate-group", "impersonate-uid", "impersonate-extra-scopes"] {
		doc := object.union(t.kubernetes(t.agent, t.prod_k8s, {"verb": "get"}), {"command": {"http": {"headers": {header: "admin"}}}})
		d := data.warden.decision with input as doc
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.kubernetes.impersonation"
	}
}

test_unknown_verb_is_denied if {
	every c in [{"note": "escalate", "k": {"verb": "escalate"}, "effect": "deny", "rules": ["warden.rules.kubernetes.verb"]}] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

nonresource(verb, path) := {"is_resource_request": false, "verb": verb, "path": path, "resource": "", "namespace": "", "api_group": "", "api_version": ""}

test_non_resource_requests if {
	every c in [
		{"note": "healthz", "k": nonresource("get", "/healthz"), "effect": "allow"},
		{"note": "healthz/etcd", "k": nonresource("get", "/healthz/etcd"), "effect": "allow"},
		{"note": "readyz trailing slash", "k": nonresource("get", "/readyz/"), "effect": "allow"},
		{"note": "version", "k": nonresource("get", "/version"), "effect": "allow"},
		{"note": "openapi v3", "k": nonresource("get", "/openapi/v3/apis/apps/v1"), "effect": "allow"},
		{"note": "discovery api", "k": nonresource("get", "/api"), "effect": "allow"},
		{"note": "discovery api/v1", "k": nonresource("get", "/api/v1"), "effect": "allow"},
		{"note": "discovery group version", "k": nonresource("get", "/apis/apps/v1"), "effect": "allow"},
		{"note": "metrics", "k": nonresource("get", "/metrics"), "effect": "deny", "rules": ["warden.rules.kubernetes.non_resource"]},
		{"note": "logs", "k": nonresource("get", "/logs/kube-apiserver.log"), "effect": "deny"},
		{"note": "post to healthz", "k": nonresource("post", "/healthz"), "effect": "deny"},
		{"note": "dot-dot after an allowed prefix", "k": nonresource("get", "/openapi/../metrics"), "effect": "deny"},
		{"note": "sneaky prefix", "k": nonresource("get", "/healthzz"), "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_secrets_are_masked if {
	d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "list", "resource": "secrets"})
	d.effect == "allow"
	paths := {m.path | some m in d.obligations.mask; m.path}
	{"data.*", "stringData.*", "items.*.data.*", "object.data.*", "metadata.annotations.*", "rows.*.object.data.*", "object.rows.*.object.data.*"} - paths == set()
	every m in d.obligations.mask {
		m.rule in {"warden.rules.kubernetes.secrets", "warden.rules.kubernetes.content"}
	}
	{"detector": "all", "rule": "warden.rules.kubernetes.content"} in d.obligations.mask
	d.reasons == [{"rule": "warden.rules.kubernetes.secrets", "message": "list secrets in namespace default: Secret values are masked"}]
}

test_secrets_of_other_groups_and_break_glass_are_not_path_masked if {
	d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "get", "resource": "secrets", "api_group": "example.com"})
	{m | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.secrets"} == set()
	e := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_k8s, {"verb": "get", "resource": "secrets"})
	e.obligations.mask == []
}

test_staging_cluster if {
	every c in [
		{"note": "write in default", "target": t.staging_k8s, "k": {"verb": "delete", "name": "web-1"}, "effect": "allow"},
		{"note": "exec", "target": t.staging_k8s, "k": {"verb": "create", "name": "web-1", "subresource": "exec"}, "effect": "allow"},
		{"note": "delete namespace", "target": t.staging_k8s, "k": {"verb": "delete", "resource": "namespaces", "name": "x", "namespace": "x"}, "effect": "approve"},
		{"note": "rbac", "target": t.staging_k8s, "k": {"verb": "create", "api_group": "rbac.authorization.k8s.io", "resource": "rolebindings"}, "effect": "deny"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_humans if {
	every c in [
		{"note": "human exec", "identity": t.human, "k": {"verb": "create", "subresource": "exec", "name": "p"}, "effect": "approve"},
		{"note": "human rbac", "identity": t.human, "k": {"verb": "create", "api_group": "rbac.authorization.k8s.io", "resource": "roles"}, "effect": "approve"},
		{"note": "break-glass delete node", "identity": t.break_glass, "k": {"verb": "delete", "resource": "nodes", "namespace": "", "name": "n1"}, "effect": "allow"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_missing_fields_fail_closed if {
	doc := json.remove(t.kubernetes(t.agent, t.prod_k8s, {"verb": "delete", "name": "p"}), ["command/kubernetes/subresource", "command/kubernetes/resource"])
	d := data.warden.decision with input as doc
	d.effect == "approve"
	d.reasons[0].message == "delete ? p in namespace default changes a production namespace; needs approval for agents on production target prod-k8s"
}

test_write_without_namespace_field_counts_as_production if {
	d := data.warden.decision with input as json.remove(t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "resource": "configmaps"}), ["command/kubernetes/namespace"])
	d.effect == "approve"
}

test_raw_streams_get_no_content_masks if {
	every sub in ["exec", "attach", "portforward"] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "create", "resource": "pods", "name": "web-1", "subresource": sub})
		d.effect == "approve"
		d.obligations.mask == []
	}
	logs := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"verb": "get", "resource": "pods", "name": "web-1", "subresource": "log"})
	{"detector": "all", "rule": "warden.rules.kubernetes.content"} in logs.obligations.mask
}

# A pod's log gets its Secrets' values masked by origin (the gateway looks them up) wherever content masking
# applies; other pod reads, break-glass humans and pods of another resource kind do not.
test_pod_logs_mask_the_pods_secret_values if {
	pod_secrets := {"source": "kubernetes_pod_secrets", "rule": "warden.rules.kubernetes.pod_log_secrets"}
	every who in [t.agent, t.human] {
		logs := data.warden.decision with input as t.kubernetes(who, t.prod_k8s, {"verb": "get", "resource": "pods", "name": "web-1", "subresource": "log", "namespace": "prod"})
		pod_secrets in logs.obligations.mask
	}
	every c in [
		{"verb": "get", "resource": "pods", "name": "web-1"},
		{"verb": "get", "resource": "pods", "name": "web-1", "subresource": "status"},
		{"verb": "get", "resource": "pods", "api_group": "example.com", "name": "web-1", "subresource": "log"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		not pod_secrets in d.obligations.mask
	}
	glass := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_k8s, {"verb": "get", "resource": "pods", "name": "web-1", "subresource": "log"})
	glass.obligations.mask == []
}

test_workload_env_values_are_masked if {
	every c in [
		{"resource": "pods", "verb": "get", "name": "web-1"},
		{"resource": "deployments", "api_group": "apps", "verb": "list"},
		{"resource": "cronjobs", "api_group": "batch", "verb": "watch"},
		{"resource": "pods", "verb": "patch", "name": "web-1", "subresource": "ephemeralcontainers"},
		{"resource": "controllerrevisions", "api_group": "apps", "verb": "list"},
		{"resource": "pods", "verb": "get", "name": "web-1", "subresource": "resize"},
		{"resource": "pods", "verb": "get", "name": "web-1", "subresource": "a-subresource-added-later"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		paths := {m.path | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.env_values"}
		{
			"spec.containers.*.env.*.value", "items.*.spec.template.spec.initContainers.*.env.*.value",
			"object.spec.jobTemplate.spec.template.spec.containers.*.env.*.value",
			"rows.*.object.template.spec.ephemeralContainers.*.env.*.value",
			"metadata.annotations.*last-applied-configuration", "items.*.metadata.annotations.*last-applied-configuration",
			"data.spec.template.spec.containers.*.env.*.value", "items.*.data.spec.template.spec.containers.*.env.*.value",
		} - paths == set()
	}
}

test_env_values_not_path_masked_for_logs_streams_other_resources_or_break_glass if {
	every c in [
		{"resource": "pods", "verb": "get", "name": "web-1", "subresource": "log"},
		{"resource": "pods", "verb": "create", "name": "web-1", "subresource": "exec"},
		{"resource": "pods", "verb": "get", "name": "web-1", "subresource": "proxy"},
		{"resource": "configmaps", "verb": "list"},
		{"resource": "services", "verb": "list"},
		{"resource": "deployments", "api_group": "extensions.k8s.io", "verb": "list"},
		{"resource": "rollouts", "api_group": "argoproj.io", "verb": "get", "name": "web", "subresource": "proxy"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		{m | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.env_values"} == set()
	}
	e := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_k8s, {"verb": "get", "resource": "pods"})
	e.obligations.mask == []
}

# A custom resource carrying a pod template (Argo Rollouts, Knative) is masked as a built-in workload is.
test_env_values_path_masked_for_custom_resources if {
	every c in [
		{"resource": "rollouts", "api_group": "argoproj.io", "verb": "get", "name": "web"},
		{"resource": "services", "api_group": "serving.knative.dev", "verb": "list"},
		{"resource": "scaledjobs", "api_group": "keda.sh", "verb": "watch"},
		{"resource": "tasks", "api_group": "tekton.dev", "verb": "get", "name": "build"},
		{"resource": "workflows", "api_group": "argoproj.io", "verb": "list"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		paths := {m.path | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.env_values"}
		{
			"spec.template.spec.containers.*.env.*.value", "items.*.spec.containers.*.env.*.value",
			"object.spec.jobTemplate.spec.template.spec.containers.*.env.*.value", "spec.steps.*.env.*.value",
			"items.*.spec.templates.*.container.env.*.value", "object.spec.workflowSpec.templates.*.script.env.*.value",
		} - paths == set()
	}

	# A built-in workload gets the pod spec forms only.
	d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {"resource": "pods", "verb": "get", "name": "web-1"})
	{m | some m in d.obligations.mask; m.path == "spec.steps.*.env.*.value"} == set()
}

# A container's termination message (a failed container's log tail) is masked in every answer carrying a Pod,
# wherever content masking applies; not in a log (masked by origin), nor in other kinds' answers.
test_termination_messages_masked_in_pod_answers if {
	every c in [
		{"verb": "get", "resource": "pods", "name": "web-1", "namespace": "prod"},
		{"verb": "list", "resource": "pods", "namespace": "sandbox"},
		{"verb": "watch", "resource": "pods"},
		{"verb": "get", "resource": "pods", "name": "web-1", "subresource": "status", "namespace": "sandbox"},
		{"verb": "patch", "resource": "pods", "name": "web-1", "subresource": "ephemeralcontainers", "namespace": "sandbox"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		paths := {m.path | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.termination_messages"}
		"status.containerStatuses.*.lastState.terminated.message" in paths
		"items.*.status.initContainerStatuses.*.state.terminated.message" in paths
		"object.status.ephemeralContainerStatuses.*.lastState.terminated.message" in paths
		"rows.*.object.status.containerStatuses.*.state.terminated.message" in paths
		count(paths) == 30
	}
	every c in [
		{"verb": "get", "resource": "pods", "name": "web-1", "subresource": "log", "namespace": "prod"},
		{"verb": "get", "resource": "deployments", "api_group": "apps", "name": "web", "namespace": "prod"},
		{"verb": "get", "resource": "pods", "api_group": "example.com", "name": "web-1"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		{m | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.termination_messages"} == set()
	}
	glass := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_k8s, {"verb": "get", "resource": "pods", "name": "web-1"})
	glass.obligations.mask == []
}

test_status_messages_masked_for_updates_of_masked_objects if {
	every c in [
		{"resource": "pods", "verb": "patch", "namespace": "sandbox", "name": "web-1"},
		{"resource": "jobs", "api_group": "batch", "verb": "update", "namespace": "sandbox", "name": "migrate"},
		{"resource": "secrets", "verb": "update", "namespace": "sandbox", "name": "db"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		paths := {m.path | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.status_messages"}
		paths == {"message", "details.causes.*.message"}
	}
	every c in [
		{"resource": "pods", "verb": "get", "namespace": "sandbox", "name": "web-1"},
		{"resource": "pods", "verb": "create", "namespace": "sandbox"},
		{"resource": "configmaps", "verb": "patch", "namespace": "sandbox", "name": "app"},
		{"resource": "pods", "verb": "create", "namespace": "sandbox", "name": "web-1", "subresource": "exec"},
	] {
		d := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, c)
		{m | some m in d.obligations.mask; m.rule == "warden.rules.kubernetes.status_messages"} == set()
	}
}

test_deletecollection_without_a_selector_is_destructive if {
	every c in [
		{"note": "every pod of a production namespace", "k": {"verb": "deletecollection", "namespace": "default"}, "q": {}, "effect": "deny", "rules": ["warden.rules.kubernetes.unbounded_delete"]},
		{"note": "a blank selector selects every pod", "k": {"verb": "deletecollection", "namespace": "default"}, "q": {"labelSelector": [" "]}, "effect": "deny", "rules": ["warden.rules.kubernetes.unbounded_delete"]},
		{"note": "every deployment of kube-system", "k": {"verb": "deletecollection", "api_group": "apps", "resource": "deployments", "namespace": "kube-system"}, "q": {}, "effect": "deny", "rules": ["warden.rules.kubernetes.unbounded_delete"]},
		{"note": "pods by label", "k": {"verb": "deletecollection", "namespace": "default"}, "q": {"labelSelector": ["app=web"]}, "effect": "approve", "rules": ["warden.rules.kubernetes.write"]},
		{"note": "pods by field", "k": {"verb": "deletecollection", "namespace": "default"}, "q": {"fieldSelector": ["status.phase=Failed"]}, "effect": "approve", "rules": ["warden.rules.kubernetes.write"]},
		{"note": "every pod of a sandbox namespace", "k": {"verb": "deletecollection", "namespace": "sandbox"}, "q": {}, "effect": "allow"},
	] {
		doc := doc_of(c)
		d := data.warden.decision with input as object.union(doc, {"command": {"http": {"method": "DELETE", "query": c.q}}})
		matches(c, d)
	}
}
