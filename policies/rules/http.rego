# The default policy for plain HTTP targets (input.command.http): GET, HEAD and OPTIONS are reads;
# TRACE and CONNECT are dangerous; every other method changes something.
package warden.rules.http

import data.warden.lib
import data.warden.settings

h := input.command.http

http_request if {
	input.command.protocol == "http"
	is_object(h)
}

read_methods := {"GET", "HEAD", "OPTIONS"}

method := upper(lib.text(h, "method"))

what := concat("", [method, " ", lib.text(h, "host"), lib.text(h, "path")])

findings contains f if {
	http_request
	method in {"TRACE", "CONNECT"}
	msg := concat("", [what, " uses a method that reflects or tunnels traffic"])
	f := {"class": "dangerous", "rule": "warden.rules.http.method", "message": msg}
}

findings contains f if {
	http_request
	not known_method
	f := {"class": "change", "rule": "warden.rules.http.write", "message": concat("", [what, " is not a read"])}
}

known_method if method in (read_methods | {"TRACE", "CONNECT"})

mask contains {"detector": d, "rule": "warden.rules.http.content"} if {
	http_request
	lib.content_masking
	some d in settings.current.content_detectors
}

# Every finding needs an HTTP request: other requests skip them.
deny contains r if {
	http_request
	some r in lib.reasons_for(findings, "deny")
}

approve contains r if {
	http_request
	some r in lib.reasons_for(findings, "approve")
}

info contains r if {
	http_request
	some r in lib.reasons_for(findings, "allow")
}
