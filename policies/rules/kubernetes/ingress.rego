# An ingress controller writes some Ingress annotations into its own proxy configuration. ingress-nginx's
# *-snippet annotations are nginx configuration verbatim: Lua or a file read runs in the controller, whose service
# account reads every Secret in the cluster (CVE-2021-25742), and auth-url or mirror targets were injected into
# its configuration the same way (CVE-2025-24514, CVE-2025-1098). auth-url and mirror-target also send every request for
# the Ingress's host and path, with its cookies and Authorization header, to a URL of the caller's choosing.
# Matched by suffix: the prefix (nginx.ingress.kubernetes.io, nginx.org) is a controller flag.
package warden.rules.kubernetes

ingress_config_suffixes := ["-snippet", "-snippets", "/auth-url", "/mirror-target", "/mirror-host", "/auth-tls-match-cn"]

findings contains f if {
	body_write
	k.resource == "ingresses"
	some [name, _] in members
	is_string(name)
	contains(name, "/")
	some suffix in ingress_config_suffixes
	endswith(name, suffix)
	msg := concat("", [what, " writes the ingress controller's configuration (", name, "), which runs with its credentials"])
	f := finding("privilege", "ingress_config", msg)
}

# The controller's own ConfigMap takes the same configuration globally (http-snippet, main-snippet, …) and turns the
# annotations back on (allow-snippet-annotations, off by default since controller 1.9). A ConfigMap's keys are its own,
# so this matches in any namespace: the controller names its ConfigMap by a flag.
findings contains f if {
	body_write
	configmap_object
	some key in configmap_keys_set
	ingress_controller_key(key)
	msg := concat("", [what, " writes the ingress controller's configuration (", key, "), which runs with its credentials"])
	f := finding("privilege", "ingress_config", msg)
}

configmap_keys_set contains key if {
	some key, _ in member_object(body, ["data"])
}

configmap_keys_set contains key if {
	some op in patch_ops
	segments := op_segments(op.path)
	count(segments) == 2
	segments[0] == "data"
	key := segments[1]
}

configmap_keys_set contains key if {
	some op in patch_ops
	op_segments(op.path) == ["data"]
	some key, _ in op.value
}

ingress_controller_key(key) if endswith(key, "-snippet")

ingress_controller_key("allow-snippet-annotations")
