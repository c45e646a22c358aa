# A patch of an existing workload is judged on what it sets, but the object it lands on keeps everything else: the
# Secrets its pods mount, its env from Secrets, its service account. A new image, command, args or env there runs
# code of the caller's choosing with those credentials (`kubectl set image`, then `kubectl logs`), and a new host
# alias or DNS setting sends the credentials the code already uses to another address. Warden does not see the
# stored object, so a patch into a pod spec is held unless it only sets what decides where and how big the pods are
# (node selection, tolerations, resources, grace periods). An update (PUT) carries the whole object and is judged
# on it in workloads.rego.
package warden.rules.kubernetes

# Where each workload keeps its pod spec. A ControllerRevision's copy is immutable.
workload_pod_spec := {
	"": {
		"pods": ["spec"],
		"podtemplates": ["template", "spec"],
		"replicationcontrollers": ["spec", "template", "spec"],
	},
	"apps": {
		"deployments": ["spec", "template", "spec"],
		"statefulsets": ["spec", "template", "spec"],
		"daemonsets": ["spec", "template", "spec"],
		"replicasets": ["spec", "template", "spec"],
	},
	"batch": {
		"jobs": ["spec", "template", "spec"],
		"cronjobs": ["spec", "jobTemplate", "spec", "template", "spec"],
	},
}

# Pod spec members that place or size the pods without changing what runs in them or where it connects.
placement_pod_fields := {
	"nodeSelector", "affinity", "tolerations", "topologySpreadConstraints", "priorityClassName",
	"terminationGracePeriodSeconds", "activeDeadlineSeconds", "schedulingGates",
}

# Container members that size a container (`name` is the strategic merge key).
placement_container_fields := {"name", "resources", "resizePolicy"}

container_list_names := {"containers", "initContainers", "ephemeralContainers"}

findings contains f if {
	body_write
	k.verb == "patch"
	patches_running_code
	msg := concat("", [
		what, " changes what an existing workload runs or where it connects (image, command, env, volumes, …),",
		" with the Secrets and service account it already has",
	])
	f := finding("sensitive", "workload_code", msg)
}

# A merge, strategic merge or apply patch: the pod spec it sets.
patches_running_code if {
	not is_array(body)
	spec_path := workload_pod_spec[k.api_group][k.resource]
	value := member(body, spec_path)
	value != null
	code_change([], value)
}

# A JSON patch: each operation at or under the pod spec, or above it (replacing the template or the whole object).
patches_running_code if {
	spec_path := workload_pod_spec[k.api_group][k.resource]
	some op in patch_ops
	op.op != "test"
	segments := op_segments(op.path)
	count(segments) > count(spec_path)
	array.slice(segments, 0, count(spec_path)) == spec_path
	code_change(array.slice(segments, count(spec_path), count(segments)), object.get(op, "value", null))
}

patches_running_code if {
	spec_path := workload_pod_spec[k.api_group][k.resource]
	some op in patch_ops
	op.op != "test"
	segments := op_segments(op.path)
	count(segments) <= count(spec_path)
	array.slice(spec_path, 0, count(segments)) == segments
	code_change([], member(object.get(op, "value", null), array.slice(spec_path, count(segments), count(spec_path))))
}

# A custom resource whose controller runs the pod template it carries (Argo Rollouts, Knative, Tekton): a patch
# that names a container or what runs in it. Custom resource groups always contain a dot; built-in ones end in
# .k8s.io or have none.
patches_running_code if {
	custom_resource
	some [name, _] in members
	name in {"containers", "initContainers", "image", "command", "args", "env", "envFrom", "volumes", "volumeMounts"}
}

custom_resource if {
	contains(k.api_group, ".")
	not endswith(k.api_group, ".k8s.io")
}

# code_change(path, value): setting `value` at `path` under a pod spec changes what runs, or where it connects.
code_change(path, value) if {
	count(path) == 0
	not is_object(value)
}

code_change(path, value) if {
	count(path) == 0
	some key, v in value
	code_field(key, [], v)
}

code_change(path, value) if {
	count(path) > 0
	code_field(path[0], array.slice(path, 1, count(path)), value)
}

code_field(key, _, _) if {
	not placement_pod_fields[key]
	not container_list_names[key]
	not element_order(key)
}

code_field(key, rest, value) if {
	container_list_names[key]
	count(rest) == 0
	not is_array(value)
}

code_field(key, rest, value) if {
	container_list_names[key]
	count(rest) == 0
	some c in value
	code_container(c)
}

code_field(key, rest, value) if {
	container_list_names[key]
	count(rest) == 1
	code_container(value)
}

code_field(key, rest, _) if {
	container_list_names[key]
	count(rest) > 1
	not placement_container_fields[rest[1]]
}

code_container(c) if not is_object(c)

code_container(c) if {
	some key, _ in c
	not placement_container_fields[key]
}

# kubectl's client-side apply orders list elements with $setElementOrder/<list>: an order, not a value.
element_order(key) if startswith(key, "$setElementOrder/")
