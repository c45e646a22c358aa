# Secret values never reach an agent: Secret objects (single, lists and watch events) have their data,
# stringData and annotations (kubectl's last-applied copy holds the data too) masked; content
# detectors run over every response where content masking applies.
package warden.rules.kubernetes

import data.warden.lib
import data.warden.settings

secret_paths := [
	"data.*", "stringData.*", "metadata.annotations.*",
	"items.*.data.*", "items.*.stringData.*", "items.*.metadata.annotations.*",
	"object.data.*", "object.stringData.*", "object.metadata.annotations.*",
]

secrets_request if {
	kubernetes_request
	k.is_resource_request == true
	k.api_group == ""
	k.resource == "secrets"
}

mask contains {"path": p, "strategy": "redact", "rule": "warden.rules.kubernetes.secrets"} if {
	secrets_request
	lib.content_masking
	some p in secret_paths
}

# exec, attach and port-forward upgrade to a raw byte stream (SPDY or WebSocket frames) that no masker can
# read, and the gateway refuses an upgrade that carries mask obligations (it never passes a stream it was told
# to mask). So these requests get no content masks: they are `change` findings, held for a reviewer, who
# approves the session knowing its output is not masked.
raw_stream_subresources := {"exec", "attach", "portforward"}

mask contains {"detector": d, "rule": "warden.rules.kubernetes.content"} if {
	kubernetes_request
	lib.content_masking
	not raw_stream_subresources[k.subresource]
	some d in settings.current.content_detectors
}

info contains {"rule": "warden.rules.kubernetes.secrets", "message": msg} if {
	secrets_request
	lib.content_masking
	msg := concat("", [what, ": Secret values are masked"])
}
