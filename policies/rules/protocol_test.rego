package warden.protocol_test

import data.warden.inputs_test as t

test_unknown_protocol_is_denied if {
	doc := object.union(t.sql(t.agent, t.prod_db, []), {"command": {"protocol": "ftp"}})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	d.reasons == [{"rule": "warden.rules.protocol.unknown", "message": "protocol ftp is not one Warden can judge; denied for agents on production target prod-db"}]
}

test_target_kind_mismatch_is_denied if {
	d := data.warden.decision with input as object.union(t.sql(t.agent, t.prod_db, []), {"target": t.prod_k8s})
	d.effect == "deny"
	"warden.rules.protocol.target_mismatch" in {r.rule | some r in d.reasons}
	e := data.warden.decision with input as t.kubernetes(t.break_glass, t.prod_db, {})
	e.effect == "deny"
}

test_missing_payload_is_denied if {
	every pair in [
		[t.sql(t.agent, t.prod_db, []), "sql"],
		[t.kubernetes(t.agent, t.prod_k8s, {}), "kubernetes"],
		[t.cloud(t.agent, t.prod_gcp, {}), "cloud"],
		[t.http(t.agent, t.prod_http, "GET", "/"), "http"],
	] {
		d := data.warden.decision with input as json.remove(pair[0], [concat("/", ["command", pair[1]])])
		d.effect == "deny"
		some r in d.reasons
		r.rule == "warden.rules.protocol.unparsed"
	}
}

test_cloud_provider_must_match if {
	doc := object.union(t.cloud(t.agent, t.prod_gcp, {}), {"command": {"cloud": {"provider": "aws"}}})
	d := data.warden.decision with input as doc
	d.effect == "deny"
	some r in d.reasons
	r.message == "a gcp request carries a aws cloud command; denied for agents on production target prod-gcp"
}

test_sql_dialect_must_match if {
	doc := object.union(t.sql(t.agent, t.prod_db, []), {"command": {"sql": {"dialect": "mysql"}}})
	e1 := data.warden.decision with input as doc
	e1.effect == "deny"
}

test_matching_requests_pass if {
	e2 := data.warden.decision with input as t.sql(t.agent, t.prod_db, [])
	e2.effect == "allow"
	e3 := data.warden.decision with input as t.kubernetes(t.agent, t.prod_k8s, {})
	e3.effect == "allow"
	e4 := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, {"read_only": true})
	e4.effect == "allow"
	e5 := data.warden.decision with input as t.http(t.agent, t.prod_http, "GET", "/")
	e5.effect == "allow"
}

test_missing_provider_or_dialect_is_a_mismatch if {
	d := data.warden.decision with input as json.remove(t.cloud(t.agent, t.prod_gcp, {"read_only": true}), ["command/cloud/provider"])
	d.effect == "deny"
	some r in d.reasons
	r.message == "a gcp request carries a ? cloud command; denied for agents on production target prod-gcp"
	e := data.warden.decision with input as json.remove(t.sql(t.agent, t.prod_db, []), ["command/sql/dialect"])
	e.effect == "deny"
}
