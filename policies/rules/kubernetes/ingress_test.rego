package warden.kubernetes_ingress_test

import data.warden.inputs_test as t

patch_doc(fields, http) := object.union(
	t.kubernetes(t.agent, t.prod_k8s, object.union({"verb": "patch", "namespace": "sandbox"}, fields)),
	{"command": {"http": http}},
)

rules(d) := {r.rule | some r in d.reasons}

ingress := {"verb": "create", "resource": "ingresses", "api_group": "networking.k8s.io", "name": ""}

test_ingress_controller_configuration_annotations_are_denied if {
	every c in [
		{"k": ingress, "body": {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/configuration-snippet": "x"}}}},
		{"k": ingress, "body": {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/server-snippet": "x"}}}},
		{"k": ingress, "body": {"metadata": {"annotations": {"nginx.org/location-snippets": "x"}}}},
		{"k": ingress, "body": {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/auth-url": "http://kubernetes.default"}}}},
		{"k": ingress, "body": {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/mirror-target": "http://x"}}}},
		{"k": object.union(ingress, {"verb": "patch", "name": "web"}), "body": [{"op": "add", "path": "/metadata/annotations/nginx.ingress.kubernetes.io~1configuration-snippet", "value": "x"}]},
	] {
		d := data.warden.decision with input as patch_doc(c.k, {"body": c.body})
		d.effect == "deny"
		"warden.rules.kubernetes.ingress_config" in rules(d)
	}
	plain := {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/"}}, "spec": {"rules": [{"host": "a.example"}]}}
	p := data.warden.decision with input as patch_doc(ingress, {"body": plain})
	p.effect == "allow"
}

test_ingress_controller_configmap_snippets_are_denied if {
	cm := {"verb": "patch", "resource": "configmaps", "name": "ingress-nginx-controller"}
	every body in [
		{"data": {"allow-snippet-annotations": "true"}},
		{"data": {"http-snippet": "server { listen 9999; }"}},
		[{"op": "add", "path": "/data/main-snippet", "value": "load_module x.so;"}],
		[{"op": "replace", "path": "/data", "value": {"server-snippet": "x"}}],
	] {
		d := data.warden.decision with input as patch_doc(cm, {"body": body})
		d.effect == "deny"
		"warden.rules.kubernetes.ingress_config" in rules(d)
	}
	p := data.warden.decision with input as patch_doc(cm, {"body": {"data": {"proxy-body-size": "8m"}}})
	p.effect == "allow"
}
