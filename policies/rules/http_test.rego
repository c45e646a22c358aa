package warden.http_test

import data.warden.inputs_test as t

test_reads_are_allowed_with_content_masks if {
	every method in ["GET", "head", "OPTIONS"] {
		d := data.warden.decision with input as t.http(t.agent, t.prod_http, method, "/v1/users")
		d.effect == "allow"
		d.obligations.mask == [{"detector": "all", "rule": "warden.rules.http.content"}]
	}
}

test_writes_need_approval if {
	every method in ["POST", "PUT", "PATCH", "DELETE"] {
		d := data.warden.decision with input as t.http(t.agent, t.prod_http, method, "/v1/users")
		d.effect == "approve"
		d.reasons == [{"rule": "warden.rules.http.write", "message": concat("", [method, " api.example.com/v1/users is not a read; needs approval for agents on production target prod-api"])}]
	}
}

test_trace_and_connect_are_denied if {
	every method in ["TRACE", "CONNECT"] {
		d := data.warden.decision with input as t.http(t.agent, t.prod_http, method, "/")
		d.effect == "deny"
		d.reasons[0].rule == "warden.rules.http.method"
	}
}

test_missing_method_fails_closed if {
	d := data.warden.decision with input as json.remove(t.http(t.agent, t.prod_http, "GET", "/"), ["command/http/method"])
	d.effect == "approve"
}

test_staging_writes_are_allowed if {
	target := object.union(t.prod_http, {"environment": "staging"})
	e1 := data.warden.decision with input as t.http(t.agent, target, "POST", "/v1/users")
	e1.effect == "allow"
}
