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
