# The default policy for Kubernetes API requests (RequestInfo fields in input.command.kubernetes).
# Reads are allowed (Secret values masked); exec / attach / port-forward / proxy need approval;
# writes in production namespaces (or cluster-scoped) need approval; deleting namespaces, nodes,
# persistent volumes or CRDs is destructive; RBAC writes are privilege changes; impersonation is
# critical; non-resource requests other than health, version and discovery reads are dangerous. Write bodies
# (pod specs that read Secrets or the node, unreadable bodies, debug containers) are judged in workloads.rego.
package warden.rules.kubernetes

import data.warden.lib
import data.warden.settings

k := input.command.kubernetes

kubernetes_request if {
	input.command.protocol == "kubernetes"
	is_object(k)
}

# The Kubernetes tables live in data.warden.catalog.kubernetes
# (policies/warden/catalog/kubernetes/data.json):
#   verbs                     resource verbs Warden recognises: read (get, list, watch) or write
#   interactive_subresources  exec, attach, portforward, proxy
#   cluster_destructive       deleting these takes down everything inside them, or the cluster's own
#                             capacity (namespaces, nodes, persistent volumes, CRDs)
#   rbac_resources            roles, role bindings and their cluster-wide forms
#   impersonation_headers     the Impersonate-* headers (Impersonate-Extra-* are matched by prefix)
catalog := data.warden.catalog.kubernetes

# Production namespaces: settings, plus the target's `production_namespaces` label (comma-separated).
production_namespaces contains ns if some ns in settings.current.kubernetes.production_namespaces

production_namespaces contains trim_space(ns) if {
	some ns in split(input.target.labels.production_namespaces, ",")
	trim_space(ns) != ""
}

# Cluster-scoped requests (and requests without a namespace field) count as production.
production_scope if not namespaced

namespaced if {
	is_string(k.namespace)
	k.namespace != ""
}

production_scope if k.namespace in production_namespaces

# The system namespaces (kube-system, kube-public, kube-node-lease: `kube-` is reserved) run the cluster's own
# privileged workloads: a write there (a new image for kube-proxy) runs with their Secrets and host access.
production_scope if startswith(k.namespace, "kube-")

what := concat("", [lib.text(k, "verb"), " ", lib.text(k, "resource"), subresource_part, name_part, namespace_part])

subresource_part := concat("", ["/", k.subresource]) if {
	is_string(k.subresource)
	k.subresource != ""
} else := ""

name_part := concat("", [" ", k.name]) if {
	is_string(k.name)
	k.name != ""
} else := ""

namespace_part := concat("", [" in namespace ", k.namespace]) if {
	is_string(k.namespace)
	k.namespace != ""
} else := " (cluster-scoped)"

finding(class, topic, message) := {
	"class": class,
	"rule": concat(".", ["warden.rules.kubernetes", topic]),
	"message": message,
}

findings contains f if {
	kubernetes_request
	some header, _ in input.command.http.headers
	impersonation_header(lower(header))
	msg := concat("", ["the request impersonates another identity (", header, " header)"])
	f := finding("critical", "impersonation", msg)
}

impersonation_header(h) if catalog.impersonation_headers[h]

impersonation_header(h) if startswith(h, "impersonate-extra-")

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	catalog.interactive_subresources[k.subresource]
	not node_proxy
	msg := concat("", [what, " opens an interactive session or tunnel"])
	f := finding("change", "interactive", msg)
}

# nodes/proxy reaches the kubelet API, which can exec into any pod on the node.
node_proxy if {
	k.resource == "nodes"
	k.subresource == "proxy"
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	node_proxy
	msg := concat("", [what, " reaches the kubelet API"])
	f := finding("dangerous", "node_proxy", msg)
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	catalog.verbs[k.verb] == "write"
	k.api_group == "rbac.authorization.k8s.io"
	catalog.rbac_resources[k.resource]
	msg := concat("", [what, " changes RBAC permissions"])
	f := finding("privilege", "rbac", msg)
}

findings contains f if {
	kubernetes_request
	k.resource == "certificatesigningrequests"
	k.subresource == "approval"
	catalog.verbs[k.verb] == "write"
	msg := concat("", [what, " approves a certificate signing request"])
	f := finding("privilege", "csr_approval", msg)
}

findings contains f if {
	kubernetes_request
	k.resource == "serviceaccounts"
	k.subresource == "token"
	k.verb == "create"
	msg := concat("", [what, " mints a service-account token"])
	f := finding("sensitive", "token", msg)
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	k.verb in {"delete", "deletecollection"}
	catalog.cluster_destructive[k.resource]
	msg := concat("", [what, " deletes ", k.resource, " and everything that depends on them"])
	f := finding("destructive", "destroy", msg)
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	catalog.verbs[k.verb] == "write"
	not interactive
	not cluster_destructive_resource
	production_scope
	msg := concat("", [what, " changes a production namespace"])
	f := finding("change", "write", msg)
}

# A deletecollection without a label or field selector removes every object of its kind in the namespace (or the
# cluster), as an SQL DELETE without a WHERE removes every row: destructive, not a change to review.
findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	k.verb == "deletecollection"
	not cluster_destructive_resource
	production_scope
	not selects_some
	msg := concat("", [what, " has no label or field selector and deletes every one of them"])
	f := finding("destructive", "unbounded_delete", msg)
}

# The API server reads ListOptions from these query keys; an empty or blank selector selects everything.
selects_some if {
	some key in ["labelSelector", "fieldSelector"]
	some v in input.command.http.query[key]
	trim_space(v) != ""
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	k.verb in {"create", "update", "patch"}
	catalog.cluster_destructive[k.resource]
	msg := concat("", [what, " changes cluster-wide objects"])
	f := finding("change", "write", msg)
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	not known_verb
	msg := concat("", [what, " uses a verb Warden does not recognise"])
	f := finding("dangerous", "verb", msg)
}

known_verb if catalog.verbs[k.verb]

interactive if catalog.interactive_subresources[k.subresource]

cluster_destructive_resource if catalog.cluster_destructive[k.resource]

findings contains f if {
	kubernetes_request
	not k.is_resource_request == true
	not nonresource_read
	msg := concat("", [
		upper(lib.text(k, "verb")), " ", lib.text(k, "path"),
		" is not a health, version or discovery read",
	])
	f := finding("dangerous", "non_resource", msg)
}

nonresource_read if {
	k.verb in {"get", "head"}
	not contains(k.path, "..")
	allowed_nonresource_path(trim_suffix(k.path, "/"))
}

allowed_nonresource_path(p) if p in settings.current.kubernetes.nonresource_read_paths

allowed_nonresource_path(p) if {
	some prefix in settings.current.kubernetes.nonresource_read_prefixes
	startswith(p, prefix)
}

# Discovery: /api/<version>, /apis/<group>, /apis/<group>/<version>.
allowed_nonresource_path(p) if regex.match(`^/(api/[a-z0-9]+|apis/[a-z0-9.-]+(/[a-z0-9]+)?)$`, p)

# Every finding needs a Kubernetes request: other requests skip them.
deny contains r if {
	kubernetes_request
	some r in lib.reasons_for(findings, "deny")
}

approve contains r if {
	kubernetes_request
	some r in lib.reasons_for(findings, "approve")
}

info contains r if {
	kubernetes_request
	some r in lib.reasons_for(findings, "allow")
}
