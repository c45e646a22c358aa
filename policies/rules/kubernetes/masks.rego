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
