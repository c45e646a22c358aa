# Builders for input documents used by the policy unit tests (a test-only package). Tests take the
# decision in their own rule bodies (`d := data.warden.decision with input as …`): a function that uses
# `with` makes `opa build -t wasm` fail ("used as reference, not called") when tests are built too.
package warden.inputs_test

agent := {"sub": "cursor", "issuer": "warden-dev", "groups": ["agents"], "kind": "agent"}

human := {"sub": "bob", "issuer": "warden-dev", "groups": ["eng"], "kind": "human"}

break_glass := {"sub": "alice", "issuer": "warden-dev", "groups": ["eng", "breakglass"], "kind": "human"}

prod_db := {"name": "prod-db", "kind": "postgres", "environment": "production", "labels": {}}

staging_db := {"name": "staging-db", "kind": "postgres", "environment": "staging", "labels": {}}

prod_mysql := {"name": "prod-mysql", "kind": "mysql", "environment": "production", "labels": {}}

prod_k8s := {"name": "prod-k8s", "kind": "kubernetes", "environment": "production", "labels": {}}

staging_k8s := {"name": "staging-k8s", "kind": "kubernetes", "environment": "staging", "labels": {}}

prod_gcp := {"name": "prod-gcp", "kind": "gcp", "environment": "production", "labels": {}}

prod_aws := {"name": "prod-aws", "kind": "aws", "environment": "production", "labels": {}}

prod_http := {"name": "prod-api", "kind": "http", "environment": "production", "labels": {}}

session := {"id": "s1", "started_at": "2025-01-01T00:00:00Z", "grants": []}

risk := {"level": "low", "score": 0, "reasons": []}

document(identity, target, command) := {
	"identity": identity,
	"session": session,
	"target": target,
	"command": object.union({"raw": "", "digest": "d1", "fingerprint": "f1"}, command),
	"risk": risk,
}

sql(identity, target, statements) := document(identity, target, {
	"protocol": target.kind,
	"sql": {"dialect": target.kind, "statements": statements},
})

# One statement entry: the defaults of an entry that reads nothing, with `fields` merged over them.
stmt(type, fields) := object.union(
	{
		"type": type, "node": "", "text": "", "read_only": false, "tables": [], "columns": [],
		"functions": [], "has_where": false, "detail": {},
	},
	fields,
)

table(name, access) := {"schema": null, "name": name, "full_name": name, "access": access}

column(name) := {"table": null, "name": name, "access": "read"}

func(name) := {"schema": null, "name": name, "full_name": name}

qualified_func(schema, name) := {"schema": schema, "name": name, "full_name": concat(".", [schema, name])}

read(type) := stmt(type, {"read_only": true})

kubernetes(identity, target, fields) := document(identity, target, {
	"protocol": "kubernetes",
	"kubernetes": object.union(
		{
			"is_resource_request": true, "verb": "get", "api_prefix": "api", "api_group": "",
			"api_version": "v1", "namespace": "default", "resource": "pods", "subresource": "",
			"name": "", "path": "/api/v1/namespaces/default/pods",
		},
		fields,
	),
	"http": {"method": "GET", "scheme": "https", "host": "k8s", "path": "/", "query": {}, "headers": {}},
})

cloud(identity, target, fields) := document(identity, target, {
	"protocol": target.kind,
	"cloud": object.union(
		{"provider": target.kind, "service": "", "method": "", "operation": "", "resource": "", "read_only": false},
		fields,
	),
})

http(identity, target, method, path) := document(identity, target, {
	"protocol": "http",
	"http": {"method": method, "scheme": "https", "host": "api.example.com", "path": path, "query": {}, "headers": {}},
})
