# Secret values never reach an agent: Secret objects (single, lists, watch events and tables) have their data,
# stringData and annotations (kubectl's last-applied copy holds the data too) masked; content
# detectors run over every response where content masking applies.
package warden.rules.kubernetes

import data.warden.lib
import data.warden.settings

# Where a Secret object sits in each answer shape: itself, a list's items, a watch event's object, and a Table's
# rows (as=Table;…&includeObject=Object embeds each whole object, also inside watch events of tables).
secret_object_prefixes := ["", "items.*.", "object.", "rows.*.object.", "object.rows.*.object."]

secret_paths := [concat("", [prefix, field]) |
	some prefix in secret_object_prefixes
	some field in ["data.*", "stringData.*", "metadata.annotations.*"]
]

secrets_request if {
	kubernetes_request
	k.is_resource_request == true
	k.api_group == ""
	k.resource == "secrets"
}

secret_masks contains {"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.secrets"} if {
	secrets_request
	lib.content_masking
	some p in secret_paths
}

# Literal env values of a workload's containers: credentials are pasted there as often as into Secrets, and
# nothing tells which ones are. They are masked like Secret values; a valueFrom (the name of a Secret or
# ConfigMap key, not its value) stays readable. kubectl's last-applied copy of the object holds them too, so
# that annotation is masked as well (client-side `kubectl apply` then cannot merge: use --server-side).
workload_resources := {
	"": {"pods", "podtemplates", "replicationcontrollers"},
	"apps": {"deployments", "statefulsets", "daemonsets", "replicasets", "controllerrevisions"},
	"batch": {"jobs", "cronjobs"},
}

# Where a pod spec sits in each workload: a pod, a template (podtemplates, controllers), a CronJob's job template,
# and the copy of a StatefulSet's or DaemonSet's template each ControllerRevision keeps (kubectl rollout history).
pod_spec_prefixes := [
	"spec.", "template.spec.", "spec.template.spec.", "spec.jobTemplate.spec.template.spec.",
	"data.spec.template.spec.",
]

workload_env_paths := [concat("", [object, spec, list, ".*.env.*.value"]) |
	some object in secret_object_prefixes
	some spec in pod_spec_prefixes
	some list in ["containers", "initContainers", "ephemeralContainers"]
]

workload_annotation_paths := [concat("", [object, "metadata.annotations.*last-applied-configuration"]) |
	some object in secret_object_prefixes
]

# The object itself and every subresource that answers in JSON: status, ephemeralcontainers and resize (1.33+)
# serve the whole Pod, a subresource added later may too, and a path that matches nothing (a Scale) costs nothing.
# Not a log or a raw stream (exec, attach, port-forward, proxy), whose answer is no JSON for a path to act on.
non_json_subresources := {"log", "exec", "attach", "portforward", "proxy"}

workload_object_request if {
	kubernetes_request
	k.is_resource_request == true
	k.resource in workload_resources[k.api_group]
	not non_json_subresources[lib.text(k, "subresource")]
}

# A custom resource whose controller runs the pod template it carries (Argo Rollouts and Knative at spec.template.spec,
# a Knative Revision at spec, a KEDA ScaledJob at spec.jobTemplate.spec.template.spec) holds literal env values as a
# Deployment does: its writes are judged as a workload's (workload_changes.rego), and its reads are masked alike.
# A custom resource without a pod template matches no path, at no cost.
custom_object_request if {
	kubernetes_request
	k.is_resource_request == true
	custom_resource
	not non_json_subresources[lib.text(k, "subresource")]
}

workload_object_request if custom_object_request

# The containers of the custom resources that run them without a pod spec: Tekton's steps, sidecars and step
# template (a Task, or one embedded in a TaskRun), Argo Workflows' templates (container, script, init containers,
# sidecars, container sets; a CronWorkflow's workflowSpec).
custom_container_prefixes := [
	"spec.steps.*.", "spec.sidecars.*.", "spec.stepTemplate.",
	"spec.taskSpec.steps.*.", "spec.taskSpec.sidecars.*.", "spec.taskSpec.stepTemplate.",
	"spec.templates.*.container.", "spec.templates.*.script.", "spec.templates.*.initContainers.*.",
	"spec.templates.*.sidecars.*.", "spec.templates.*.containerSet.containers.*.",
	"spec.workflowSpec.templates.*.container.", "spec.workflowSpec.templates.*.script.",
	"spec.workflowSpec.templates.*.initContainers.*.", "spec.workflowSpec.templates.*.sidecars.*.",
	"spec.workflowSpec.templates.*.containerSet.containers.*.",
]

custom_env_paths := [concat("", [object, container, "env.*.value"]) |
	some object in secret_object_prefixes
	some container in custom_container_prefixes
]

# Env values of every workload form: workload_env_paths and workload_annotation_paths as masks, kept built in
# data (catalog/kubernetes, checked equal in workloads_test.rego) rather than built on every evaluation.
env_masks := array.concat(data.warden.catalog.kubernetes.env_value_masks, data.warden.catalog.kubernetes.custom_resource_env_value_masks) if {
	custom_object_request
	lib.content_masking
} else := data.warden.catalog.kubernetes.env_value_masks if {
	workload_object_request
	lib.content_masking
} else := []

# An update the apiserver refuses answers with a Status whose message can print the stored object: a Pod update
# that changes an immutable field gets a diff of the old and new spec (the old env value in clear), a Job template
# (the stored one with the patch applied) is printed whole. The message and its causes' messages are masked for
# updates and patches of the objects whose values are masked (reason, field and code stay readable); an object a
# write succeeds with has neither. A create's refusal quotes only what the caller sent, and stays readable.
status_message_paths := ["message", "details.causes.*.message"]

masked_object_request if workload_object_request

masked_object_request if secrets_request

status_masks contains {"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.status_messages"} if {
	masked_object_request
	k.verb in {"update", "patch"}
	lib.content_masking
	some p in status_message_paths
}

# exec, attach and port-forward upgrade to a raw byte stream (SPDY or WebSocket frames) that no masker can
# read, and the gateway refuses an upgrade that carries mask obligations (it never passes a stream it was told
# to mask). So these requests get no content masks: they are `change` findings, held for a reviewer, who
# approves the session knowing its output is not masked.
raw_stream_subresources := {"exec", "attach", "portforward"}

content_masks contains {"detector": d, "rule": "warden.rules.kubernetes.content"} if {
	kubernetes_request
	lib.content_masking
	not raw_stream_subresources[k.subresource]
	some d in settings.current.content_detectors
}

# A pod's log prints what the pod was given: a workload that logs its own database password hands it over in a
# format no detector knows. Masking follows the origin: the gateway reads the pod and the Secrets it can see (env
# secretKeyRef, envFrom secretRef, secret and projected volumes, of every container) with its own credential, and
# replaces each of their values, and each literal env value of its containers (masked in every read of the pod), in
# the log, for every container= and previous= (all of the pod's Secrets apply).
# It refuses the log when it cannot read them (fail closed).
pod_log_request if {
	kubernetes_request
	k.is_resource_request == true
	k.api_group == ""
	k.resource == "pods"
	k.subresource == "log"
}

pod_secret_masks contains {"source": "kubernetes_pod_secrets", "rule": "warden.rules.kubernetes.pod_log_secrets"} if {
	pod_log_request
	lib.content_masking
}

info contains {"rule": "warden.rules.kubernetes.secrets", "message": msg} if {
	secrets_request
	lib.content_masking
	msg := concat("", [what, ": Secret values are masked"])
}

# A container's termination message is the tail of its log: with terminationMessagePolicy FallbackToLogsOnError the
# kubelet copies the last lines (up to 80, 2 KiB) of a failed container's log there, and a program may write anything
# to /dev/termination-log. The log hides the values of the pod's Secrets by origin (pod_secret_masks); the same lines
# in the pod's status are masked whole in every answer that carries a Pod (the object, a list, a watch, a Table's
# objects, the status subresource). The log, masked by origin, is a `kubectl logs --previous` away.
pod_object_request if {
	kubernetes_request
	k.is_resource_request == true
	k.api_group == ""
	k.resource == "pods"
	not non_json_subresources[lib.text(k, "subresource")]
}

termination_message_paths := [concat("", [object, "status.", statuses, ".*.", state, ".terminated.message"]) |
	some object in secret_object_prefixes
	some statuses in ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"]
	some state in ["state", "lastState"]
]

termination_masks contains {"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.termination_messages"} if {
	pod_object_request
	lib.content_masking
	some p in termination_message_paths
}

# One list (collect.rego takes sets or lists): the env masks as they are, then the others.
mask := array.concat(env_masks, [m | some m in ((((secret_masks | status_masks) | content_masks) | pod_secret_masks) | termination_masks)])
