# What a write's body asks a pod to do. A pod that mounts a Secret (volume, projected source, env, envFrom) reads
# its values where no mask reaches them (the pod's logs, its output); a pod with host access (privileged,
# hostPath, host namespaces) reads the node, and with it every Secret of every pod on it. Both are judged in any
# namespace, also when the pod spec sits in a template (Deployment, Job, CronJob, a custom resource) or in a
# patch (JSON patch, merge or strategic merge patch, server-side apply YAML). A write whose body Warden cannot
# read (protobuf, too large) or whose JSON patch copies or moves parts it cannot see is held, not passed unjudged.
package warden.rules.kubernetes

import data.warden.lib

body := input.command.http.body

body_write if {
	kubernetes_request
	k.is_resource_request == true
	k.verb in {"create", "update", "patch"}
}

# Every member the body sets: [name, value] for each object member at any depth, and for each JSON patch
# operation, each segment of its path paired with the value it sets (`/spec/volumes/0/secret` names a secret).
# ConfigMaps and Secrets hold data, not pod specs: a key named `secret` or `privileged` there is just a key.
data_resources := {"configmaps", "secrets"}

members contains [name, value] if {
	not data_resources[k.resource]
	walk(body, [path, value])
	count(path) > 0
	name := path[count(path) - 1]
	is_string(name)
}

members contains [name, op.value] if {
	not data_resources[k.resource]
	some op in patch_ops
	some segment in split(op.path, "/")
	name := replace(replace(segment, "~1", "/"), "~0", "~")
}

patch_ops contains op if {
	is_array(body)
	some op in body
	is_object(op)
	is_string(op.path)
}

secret_reference_members := {"secret", "secretKeyRef", "secretRef"}

host_access_flags := {"privileged", "hostPID", "hostNetwork", "hostIPC"}

findings contains f if {
	body_write
	some [name, _] in members
	secret_reference_members[name]
	msg := concat("", [what, " makes a pod read a Secret (", name, "), whose values no mask reaches there"])
	f := finding("sensitive", "workload_secret", msg)
}

# An inline CSI volume mounts what its driver fetches: the Secrets Store CSI driver a cloud secret manager's or
# Vault's values (through a SecretProviderClass), cert-manager's csi driver a certificate's private key. Secrets as a
# secret volume hands them over, but from outside the cluster: none of them a Secret the gateway can read and mask
# in the pod's log.
findings contains f if {
	body_write
	some [name, _] in members
	name == "csi"
	msg := concat("", [what, " makes a pod read secrets a CSI driver fetches (csi), whose values no mask reaches"])
	f := finding("sensitive", "workload_secret", msg)
}

findings contains f if {
	body_write
	some [name, value] in members
	host_access(name, value)
	msg := concat("", [what, " gives a pod access to its node (", name, ")"])
	f := finding("privilege", "host_access", msg)
}

host_access("hostPath", _)

host_access(name, value) if {
	host_access_flags[name]
	yaml_true(value)
}

# The apiserver reads YAML bodies as YAML 1.1 (sigs.k8s.io/yaml): `yes`, `on`, `y` are true there, while the
# gateway's YAML 1.2 reader keeps them as strings.
yaml_true(true)

yaml_true(value) if {
	is_string(value)
	value in {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
}

# A local persistent volume is a directory on a node, as a hostPath is: a pod that claims it reads the node's files.
findings contains f if {
	body_write
	k.api_group == ""
	k.resource == "persistentvolumes"
	sets_under(["spec", "local"])
	msg := concat("", [what, " gives a pod access to its node (a local volume)"])
	f := finding("privilege", "host_access", msg)
}

# Capabilities that reach past the container: mounting, tracing other processes, loading modules, reading any file.
host_access(name, value) if {
	name in {"add", "capabilities"}
	some cap in capability_list(value)
	upper(trim_prefix(cap, "CAP_")) in {"ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "DAC_OVERRIDE", "NET_ADMIN"}
}

capability_list(value) := value if is_array(value)

capability_list(value) := value.add if is_array(value.add)

capability_list(value) := [value] if is_string(value)

# A pod run as another service account acts with that account's permissions, outside Warden's view.
findings contains f if {
	body_write
	some [name, value] in members
	name in {"serviceAccountName", "serviceAccount"}
	is_string(value)
	value != "default"
	msg := concat("", [what, " runs a pod as service account ", value, ", with its permissions and outside Warden"])
	f := finding("sensitive", "workload_service_account", msg)
}

# A projected serviceAccountToken volume mounts a token for the pod's service account with an audience of the
# caller's choosing (Vault, a cloud's workload identity): a credential for systems that trust the cluster's issuer.
findings contains f if {
	body_write
	some [name, _] in members
	name == "serviceAccountToken"
	msg := concat("", [what, " mounts a service-account token for an audience of its choosing (serviceAccountToken)"])
	f := finding("sensitive", "token", msg)
}

findings contains f if {
	body_write
	input.command.http.body_error
	msg := concat("", [what, " has a body Warden cannot read (", input.command.http.body_error, ")"])
	f := finding("sensitive", "unread_body", msg)
}

findings contains f if {
	body_write
	some op in patch_ops
	op.op in {"copy", "move"}
	msg := concat("", [what, " copies or moves parts of the object (JSON patch ", op.op, "), which Warden cannot see"])
	f := finding("sensitive", "unread_body", msg)
}

# A JSON patch `test` op answers whether a guess is a value (the patch applies or fails): on a Secret's data, a
# workload's literal env value or any value a content detector masks in the answer, an oracle on masked data.
findings contains f if {
	body_write
	oracle_guarded
	some op in patch_ops
	op.op == "test"
	msg := concat("", [what, " tests the object's content (JSON patch test), an oracle on values its answers mask"])
	f := finding("sensitive", "secret_oracle", msg)
}

oracle_guarded if k.resource == "secrets"

oracle_guarded if lib.content_masking

# A write that sets a value the answers mask can say whether it equals the stored one by succeeding or failing:
# server-side apply without force answers 409 Conflict when the value differs from one another field manager set,
# and succeeds, changing nothing, when it is equal; an immutable Secret (a Pod's env, a Job's template, a revision's
# data) refuses a changed value and accepts the same one; a dry run answers with the object as it would be, whose
# generation (and managedFields) move only for a changed value. With dryRun=All no guess leaves a trace. Held: Secret
# data and annotations and the env values of pods, Jobs and ControllerRevisions, and any masked value under a dry
# run or server-side apply without force. A Deployment's env (mutable) written for real only changes it (a wrong
# guess overwrites the value guessed at).
findings contains f if {
	body_write
	k.verb in {"update", "patch"}
	oracle_guarded
	equality_answered
	sets_masked_value
	msg := concat("", [what, " sets a masked value where the answer says whether it equals the stored one"])
	f := finding("sensitive", "secret_oracle", msg)
}

equality_answered if {
	server_side_apply
	not forced_apply
}

equality_answered if k.resource in {"secrets", "pods", "jobs", "controllerrevisions"}

# Any dryRun key counts: the apiserver refuses values other than All.
equality_answered if input.command.http.query.dryRun

server_side_apply if startswith(lower(trim_space(input.command.http.headers["content-type"])), "application/apply-patch")

# PatchOptions.Force as the apiserver reads a query bool: the first value, anything but `0` or `false` is true.
forced_apply if {
	value := input.command.http.query.force[0]
	value != "0"
	lower(value) != "false"
}

# What the body sets: in an object body, looked up where the masked values sit (a Secret's data, stringData and
# annotations; the env of each pod spec form; the last-applied copy); in a JSON patch, each operation's path followed
# by the members of its value. Never a walk of a whole object body: a check at every member of a large body (or a
# set of every member) cost seconds.
sets_masked_value if {
	secret_object
	some field in [["data"], ["stringData"], ["metadata", "annotations"]]
	count(member_object(body, field)) > 0
}

# A ConfigMap's values are masked where a content detector matches them (a key, a token): server-side apply without
# force answers 409 for a guess that differs from the value another manager set, 200 for one that is equal.
sets_masked_value if {
	configmap_object
	some field in [["data"], ["binaryData"]]
	count(member_object(body, field)) > 0
}

sets_masked_value if {
	workload_object
	some key, _ in member_object(body, ["metadata", "annotations"])
	endswith(key, "last-applied-configuration")
}

sets_masked_value if {
	workload_object
	some list in container_lists
	some container in member_array(body, list)
	some env in member_array(container, ["env"])
	env.value != null
}

# A custom resource's containers sit where its kind puts them (a pod template, Tekton steps, Argo templates): any env
# list with a literal value it sets. (members is walked for every write body of a non-data resource anyway.)
sets_masked_value if {
	custom_resource
	not is_array(body)
	some [name, value] in members
	name == "env"
	some env in value
	env.value != null
}

sets_masked_value if {
	some op in patch_ops
	walk(op.value, [sub, _])
	masked_value_path(array.concat(op_segments(op.path), sub))
}

secret_object if {
	k.api_group == ""
	k.resource == "secrets"
}

configmap_object if {
	k.api_group == ""
	k.resource == "configmaps"
}

workload_object if k.resource in workload_resources[k.api_group]

# A custom resource carrying a pod template (masks.rego): its env values are masked, so writes guessing at them are
# judged as a workload's.
workload_object if custom_resource

# spec.containers, spec.template.spec.initContainers, …: each container list of each pod spec form.
container_lists := [array.concat(split(trim_suffix(prefix, "."), "."), [list]) |
	some prefix in pod_spec_prefixes
	some list in ["containers", "initContainers", "ephemeralContainers"]
]

member_object(value, path) := found if {
	found := member(value, path)
	is_object(found)
} else := {}

member_array(value, path) := found if {
	found := member(value, path)
	is_array(found)
} else := []

# Sets something other than null or [] at `prefix` or below it.
sets_under(prefix) if {
	not is_array(body)
	value := member(body, prefix)
	not value in {null, []}
}

sets_under(prefix) if {
	some op in patch_ops
	segments := op_segments(op.path)
	n := min([count(segments), count(prefix)])
	array.slice(segments, 0, n) == array.slice(prefix, 0, n)
	value := member(op.value, array.slice(prefix, n, count(prefix)))
	not value in {null, []}
}

sets_value(path, value) if {
	not is_array(body)
	member(body, path) == value
}

sets_value(path, value) if {
	some op in patch_ops
	segments := op_segments(op.path)
	count(segments) <= count(path)
	array.slice(path, 0, count(segments)) == segments
	member(op.value, array.slice(path, count(segments), count(path))) == value
}

# The member of `value` at `path` (value itself for no path), null when there is none.
member(value, []) := value

member(value, path) := object.get(value, path, null) if {
	count(path) > 0
	is_object(value)
}

member(value, path) := null if {
	count(path) > 0
	not is_object(value)
}

op_segments(pointer) := [replace(replace(x, "~1", "/"), "~0", "~") | some x in array.slice(split(pointer, "/"), 1, count(split(pointer, "/")))]

masked_value_path(path) if {
	secret_object
	count(path) == 2
	path[0] in {"data", "stringData"}
}

masked_value_path(path) if {
	configmap_object
	count(path) == 2
	path[0] in {"data", "binaryData"}
}

masked_value_path(path) if {
	secret_object
	count(path) == 3
	path[0] == "metadata"
	path[1] == "annotations"
}

masked_value_path(path) if {
	workload_object
	n := count(path)
	path[n - 1] == "value"
	path[n - 3] == "env"
}

masked_value_path(path) if {
	workload_object
	n := count(path)
	path[n - 2] == "annotations"
	path[n - 3] == "metadata"
	is_string(path[n - 1])
	endswith(path[n - 1], "last-applied-configuration")
}

# Admission webhooks receive every object written to the cluster, Secrets in clear, and may rewrite them; an
# API service takes over an API group, receiving its requests with the caller's identity. Either hands the
# cluster to whoever serves the URL. Admission policies and their bindings run CEL inside the apiserver over
# every object written and over params that may be any object (a Secret): a validating one puts what it read into
# the refusal of an ordinary write (a ConfigMap create answered with a Secret's data), a mutating one writes it
# into the objects it admits.
interception_resources := {
	"admissionregistration.k8s.io": {
		"mutatingwebhookconfigurations", "validatingwebhookconfigurations",
		"validatingadmissionpolicies", "validatingadmissionpolicybindings",
		"mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
	},
	"apiregistration.k8s.io": {"apiservices"},
}

findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	catalog.verbs[k.verb] == "write"
	not k.verb in {"delete", "deletecollection"}
	k.resource in interception_resources[k.api_group]
	msg := concat("", [what, " routes the cluster's requests or objects to a server of its choosing"])
	f := finding("privilege", "interception", msg)
}

# A CustomResourceDefinition's conversion webhook receives the resource's stored objects, whatever they hold, in
# clear, whenever the apiserver serves or stores them at another version, and answers with what is served or stored.
findings contains f if {
	body_write
	k.api_group == "apiextensions.k8s.io"
	k.resource == "customresourcedefinitions"
	sets_conversion_webhook
	msg := concat("", [what, " sends the resource's objects to a conversion webhook of its choosing"])
	f := finding("privilege", "interception", msg)
}

# Under spec.conversion only: a schema may name a property `webhook` (cert-manager's solvers do).
sets_conversion_webhook if sets_under(["spec", "conversion", "webhook"])

sets_conversion_webhook if sets_under(["spec", "conversion", "webhookClientConfig"])

sets_conversion_webhook if sets_value(["spec", "conversion", "strategy"], "Webhook")

# A Service's external IPs, and its load balancer's ingress IPs (the services/status subresource), make kube-proxy
# on every node send traffic bound for those addresses to the Service's pods (CVE-2020-8554, open by design): what
# other workloads send to a database or an outside API, credentials included, reaches a pod of the caller's choosing.
findings contains f if {
	body_write
	k.api_group == ""
	k.resource == "services"
	service_route
	msg := concat("", [what, " routes traffic bound for other addresses to the Service's pods"])
	f := finding("privilege", "interception", msg)
}

service_route if k.subresource == "status"

service_route if sets_under(["spec", "externalIPs"])

# A Secret of type service-account-token is filled by the token controller with a token that never expires, for
# the service account its annotation names: a token request by another route.
findings contains f if {
	body_write
	k.api_group == ""
	k.resource == "secrets"
	service_account_token_type
	msg := concat("", [what, " mints a service-account token (a Secret of type ", sa_token_type, ")"])
	f := finding("sensitive", "token", msg)
}

sa_token_type := "kubernetes.io/service-account-token"

service_account_token_type if body.type == sa_token_type

service_account_token_type if {
	some op in patch_ops
	op.path == "/type"
	op.value == sa_token_type
}

# kubectl debug: an ephemeral container runs any command inside a running pod, as exec does.
findings contains f if {
	kubernetes_request
	k.is_resource_request == true
	k.resource == "pods"
	k.subresource == "ephemeralcontainers"
	catalog.verbs[k.verb] == "write"
	msg := concat("", [what, " adds a debug container that runs commands inside the pod"])
	f := finding("change", "interactive", msg)
}
