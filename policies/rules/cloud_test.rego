package warden.cloud_test

import data.warden.inputs_test as t

gcp(method, operation, read_only) := {"service": split(method, ".")[0], "method": method, "operation": operation, "read_only": read_only, "resource": "projects/p"}

aws(method, read_only) := {"service": split(method, ":")[0], "method": method, "operation": split(method, ":")[1], "read_only": read_only, "resource": ""}

doc_of(c) := t.cloud(object.get(c, "identity", t.agent), object.get(c, "target", t.prod_gcp), c.cloud)

matches(c, d) if {
	print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
	d.effect == c.effect
	every rule in object.get(c, "rules", []) {
		some r in d.reasons
		r.rule == rule
	}
}

test_gcp if {
	every c in [
		{"note": "get instance", "cloud": gcp("compute.instances.get", "get", true), "effect": "allow"},
		{"note": "list buckets", "cloud": gcp("storage.buckets.list", "list", true), "effect": "allow"},
		{"note": "get iam policy", "cloud": gcp("resourcemanager.projects.getIamPolicy", "getIamPolicy", true), "effect": "allow"},
		{"note": "access a secret", "cloud": gcp("secretmanager.versions.access", "access", true), "effect": "approve", "rules": ["warden.rules.cloud.secret"]},
		{"note": "set iam policy", "cloud": gcp("resourcemanager.projects.setIamPolicy", "setIamPolicy", false), "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "bucket set iam policy", "cloud": gcp("storage.buckets.setIamPolicy", "setIamPolicy", false), "effect": "deny"},
		{"note": "set iam policy named only in the method", "cloud": gcp("cloudkms.cryptoKeys.setIamPolicy", "post", false), "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "create a service account key", "cloud": gcp("iam.serviceAccountKeys.create", "create", false), "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "delete an instance", "cloud": gcp("compute.instances.delete", "delete", false), "effect": "deny", "rules": ["warden.rules.cloud.delete"]},
		{"note": "deploy a function", "cloud": gcp("cloudfunctions.functions.create", "create", false), "effect": "approve", "rules": ["warden.rules.cloud.create"]},
		{"note": "start an instance", "cloud": gcp("compute.instances.start", "start", false), "effect": "approve", "rules": ["warden.rules.cloud.write"]},
		{"note": "unknown api", "cloud": {"service": "example.googleapis.com", "method": "unknown", "operation": "", "resource": "", "read_only": false}, "effect": "approve"},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_aws if {
	every c in [
		{"note": "describe instances", "target": t.prod_aws, "cloud": aws("ec2:DescribeInstances", true), "effect": "allow"},
		{"note": "get object", "target": t.prod_aws, "cloud": aws("s3:GetObject", true), "effect": "allow"},
		{"note": "secret value", "target": t.prod_aws, "cloud": aws("secretsmanager:GetSecretValue", true), "effect": "approve", "rules": ["warden.rules.cloud.secret"]},
		{"note": "session token", "target": t.prod_aws, "cloud": aws("sts:GetSessionToken", true), "effect": "approve"},
		{"note": "attach role policy", "target": t.prod_aws, "cloud": aws("iam:AttachRolePolicy", false), "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "create access key", "target": t.prod_aws, "cloud": aws("iam:CreateAccessKey", false), "effect": "deny"},
		{"note": "assume role", "target": t.prod_aws, "cloud": aws("sts:AssumeRole", false), "effect": "deny"},
		{"note": "bucket policy", "target": t.prod_aws, "cloud": aws("s3:PutBucketPolicy", false), "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "lambda permission", "target": t.prod_aws, "cloud": aws("lambda:AddPermission", false), "effect": "deny"},
		{"note": "kms grant", "target": t.prod_aws, "cloud": aws("kms:CreateGrant", false), "effect": "deny"},
		{"note": "delete object", "target": t.prod_aws, "cloud": aws("s3:DeleteObject", false), "effect": "deny", "rules": ["warden.rules.cloud.delete"]},
		{"note": "terminate instances", "target": t.prod_aws, "cloud": aws("ec2:TerminateInstances", false), "effect": "deny"},
		{"note": "purge queue", "target": t.prod_aws, "cloud": aws("sqs:PurgeQueue", false), "effect": "deny"},
		{"note": "put object", "target": t.prod_aws, "cloud": aws("s3:PutObject", false), "effect": "approve", "rules": ["warden.rules.cloud.create"]},
		{"note": "create function", "target": t.prod_aws, "cloud": aws("lambda:CreateFunction", false), "effect": "approve"},
		{"note": "stop instances", "target": t.prod_aws, "cloud": aws("ec2:StopInstances", false), "effect": "approve", "rules": ["warden.rules.cloud.write"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

test_reads_are_content_masked_for_agents if {
	d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws("s3:GetObject", true))
	d.obligations.mask == [{"detector": "all", "rule": "warden.rules.cloud.content"}]
	e := data.warden.decision with input as t.cloud(t.break_glass, t.prod_aws, aws("s3:GetObject", true))
	e.obligations.mask == []
}

test_humans if {
	every c in [
		{"note": "human iam change", "identity": t.human, "cloud": gcp("resourcemanager.projects.setIamPolicy", "setIamPolicy", false), "effect": "approve"},
		{"note": "human delete", "identity": t.human, "cloud": gcp("compute.instances.delete", "delete", false), "effect": "deny"},
		{"note": "break-glass delete", "identity": t.break_glass, "cloud": gcp("compute.instances.delete", "delete", false), "effect": "allow", "rules": ["warden.rules.cloud.delete"]},
	] {
		d := data.warden.decision with input as doc_of(c)
		matches(c, d)
	}
}

# A write whose body does not parse is held for a reviewer, also outside production; a body of a type Warden
# does not inspect (S3's XML) or an upload streamed unread is judged by its operation alone.
test_unparsed_write_bodies_are_held if {
	staging_gcp := object.union(t.prod_gcp, {"name": "staging-gcp", "environment": "staging"})
	every c in [
		{"note": "json with trailing bytes", "error": "invalid JSON body: it does not parse as JSON", "effect": "approve", "rules": ["warden.rules.cloud.unread_body"]},
		{"note": "yaml with a duplicate key", "error": "invalid YAML body: DUPLICATE_KEY at line 1", "effect": "approve", "rules": ["warden.rules.cloud.unread_body"]},
		{"note": "not utf-8", "error": "body is not valid UTF-8", "effect": "approve", "rules": ["warden.rules.cloud.unread_body"]},
		{"note": "xml", "error": "unsupported content type application/xml; only JSON, YAML and form bodies are inspected", "effect": "allow"},
		{"note": "streamed upload", "error": "body not read: an object upload of 5 bytes", "effect": "allow"},
	] {
		base := t.cloud(t.agent, staging_gcp, gcp("storage.objects.update", "patch", false))
		d := data.warden.decision with input as object.union(base, {"command": {"http": {"body_error": c.error}}})
		matches(c, d)
	}
	read := t.cloud(t.agent, staging_gcp, gcp("storage.objects.get", "get", true))
	data.warden.decision.effect == "allow" with input as object.union(read, {"command": {"http": {"body_error": "invalid JSON body"}}})
}

# A call Warden cannot name is held for a reviewer outside production too; a named change there passes.
test_unknown_calls_are_held_outside_production if {
	staging_gcp := object.union(t.prod_gcp, {"name": "staging-gcp", "environment": "staging"})
	unknown := {"service": "storage", "method": "unknown", "operation": "unknown", "resource": "_internal/delete_all", "read_only": false}
	d := data.warden.decision with input as t.cloud(t.agent, staging_gcp, unknown)
	d.effect == "approve"
	d.reasons == [{"rule": "warden.rules.cloud.unknown", "message": "gcp unknown on _internal/delete_all is a call Warden cannot name; needs approval for agents on staging target staging-gcp"}]
	named := data.warden.decision with input as t.cloud(t.agent, staging_gcp, gcp("compute.instances.start", "start", false))
	named.effect == "allow"
	human := data.warden.decision with input as t.cloud(t.human, staging_gcp, unknown)
	human.effect == "allow"
}

test_reason_message if {
	d := data.warden.decision with input as t.cloud(t.agent, t.prod_gcp, gcp("compute.instances.delete", "delete", false))
	d.reasons == [{"rule": "warden.rules.cloud.delete", "message": "gcp compute.instances.delete on projects/p deletes cloud resources; denied for agents on production target prod-gcp"}]
}

test_missing_fields_fail_closed if {
	doc := json.remove(t.cloud(t.agent, t.prod_gcp, gcp("compute.instances.delete", "delete", false)), ["command/cloud/operation", "command/cloud/read_only", "command/cloud/method"])
	d := data.warden.decision with input as doc
	d.effect == "approve"
	d.reasons[0].message == "gcp ? on projects/p is not a read-only call; needs approval for agents on production target prod-gcp"
}

# A write whose headers or query grant access (S3 x-amz-grant-*, a public x-amz-acl; Cloud Storage predefinedAcl)
# is a privilege change, judged as one, whatever its operation: not an approvable upload.
with_http(c, headers, query) := object.union(t.cloud(t.agent, object.get(c, "target", t.prod_aws), c.cloud), {"command": {"http": {
	"method": "PUT", "scheme": "https", "host": "s3.amazonaws.com", "path": "/b/k", "query": query, "headers": headers,
}}})

test_access_granted_by_headers_or_query if {
	every c in [
		{"note": "put object granting everyone read", "cloud": aws("s3:PutObject", false), "headers": {"x-amz-grant-read": "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""}, "query": {}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "copy granting another account full control", "cloud": aws("s3:CopyObject", false), "headers": {"x-amz-grant-full-control": "id=\"0123456789ab\"", "x-amz-copy-source": "/b/k"}, "query": {}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "put object with a public canned acl", "cloud": aws("s3:PutObject", false), "headers": {"x-amz-acl": "public-read"}, "query": {}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "put object for the bucket owner is an upload", "cloud": aws("s3:PutObject", false), "headers": {"x-amz-acl": "bucket-owner-full-control"}, "query": {}, "effect": "approve", "rules": ["warden.rules.cloud.create"]},
		{"note": "gcs upload made public", "target": t.prod_gcp, "cloud": gcp("storage.objects.create", "create", false), "headers": {}, "query": {"uploadType": ["media"], "predefinedAcl": ["publicRead"]}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "gcs bucket default acl made public", "target": t.prod_gcp, "cloud": gcp("storage.buckets.update", "patch", false), "headers": {}, "query": {"predefinedDefaultObjectAcl": ["publicRead"]}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "gcs private upload is an upload", "target": t.prod_gcp, "cloud": gcp("storage.objects.create", "create", false), "headers": {}, "query": {"uploadType": ["media"], "predefinedAcl": ["private"]}, "effect": "approve", "rules": ["warden.rules.cloud.create"]},
		{"note": "gcs xml upload made public", "target": t.prod_gcp, "cloud": gcp("storage.objects.create", "create", false), "headers": {"x-goog-acl": "public-read"}, "query": {}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "gcs xml upload kept in the project", "target": t.prod_gcp, "cloud": gcp("storage.objects.create", "create", false), "headers": {"x-goog-acl": "project-private"}, "query": {}, "effect": "approve", "rules": ["warden.rules.cloud.create"]},
		{"note": "a browser form upload (acl in a form field)", "cloud": aws("s3:PutObject", false), "headers": {"content-type": "Multipart/Form-Data; boundary=x"}, "query": {}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "gcs copy to a public destination", "target": t.prod_gcp, "cloud": gcp("storage.objects.copy", "copy", false), "headers": {}, "query": {"destinationPredefinedAcl": ["publicRead"]}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
	] {
		d := data.warden.decision with input as with_http(c, c.headers, c.query)
		matches(c, d)
	}
}

# An access list in a Cloud Storage write's body is an ACL change, whatever the write (a patch of the object's
# metadata, an insert): denied for an agent also outside production, as a write to the /acl route is.
test_access_granted_by_body if {
	staging_gcp := object.union(t.prod_gcp, {"name": "staging-gcp", "environment": "staging"})
	every c in [
		{"note": "object patch with an acl", "body": {"acl": [{"entity": "allUsers", "role": "READER"}]}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "any case of the name", "body": {"metadata": {"a": "b"}, "ACL": []}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "a bucket's default object acl", "body": {"defaultObjectAcl": [{"entity": "allUsers", "role": "READER"}]}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "a bucket's access settings", "body": {"iamConfiguration": {"publicAccessPrevention": "inherited"}}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "the emulator's predefinedAcl in a body", "body": {"name": "x", "predefinedAcl": "publicRead"}, "effect": "deny", "rules": ["warden.rules.cloud.iam"]},
		{"note": "a private predefinedAcl in a body", "body": {"name": "x", "predefinedAcl": "private"}, "effect": "allow", "rules": []},
		{"note": "plain metadata", "body": {"metadata": {"team": "ops"}}, "effect": "allow", "rules": []},
	] {
		base := with_http({"target": staging_gcp, "cloud": gcp("storage.objects.update", "patch", false)}, {}, {})
		d := data.warden.decision with input as object.union(base, {"command": {"http": {"body": c.body}}})
		matches(c, d)
	}
}

staging_aws := object.union(t.prod_aws, {"name": "staging-aws", "environment": "staging"})

# Calls named like reads (Get…) that answer with a credential or a password: held for a reviewer like
# GetSecretValue, in production and elsewhere, whether the catalog names them or only their name says so.
test_credential_reads_are_sensitive if {
	every method in [
		"glue:GetConnection", "glue:GetConnections", "sts:GetWebIdentityToken", "redshift:GetClusterCredentialsWithIAM",
		"redshift-serverless:GetCredentials", "lightsail:GetRelationalDatabaseMasterUserPassword",
		"lightsail:GetInstanceAccessDetails", "ec2:GetPasswordData", "elasticmapreduce:GetClusterSessionCredentials",
		"cognito-identity:GetOpenIdTokenForDeveloperIdentity", "ecr-public:GetAuthorizationToken",
		"lakeformation:GetTemporaryGlueTableCredentials", "s3:GetDataAccess", "gamelift:GetComputeAccess",
		"ivs:GetStreamKey", "quicksight:GetSessionEmbedUrl", "example:GetSomethingNewCredentials",
	] {
		every target in [t.prod_aws, staging_aws] {
			d := data.warden.decision with input as t.cloud(t.agent, target, aws(method, true))
			print(method, target.name, "=>", d.effect)
			d.effect == "approve"
			some r in d.reasons
			r.rule == "warden.rules.cloud.secret"
		}
	}
}

# moto runs an operation by its snake_case name (a run of capitals is one word): a listed method spelled in other
# letter case is judged as that method, its answer masked by the same paths, and a credential read's name in any
# case is one.
test_listed_methods_in_other_letter_case_are_judged_as_named if {
	every method in ["secretsmanager:GetSecretVALUE", "secretsmanager:GetSECRETValue", "ec2:GetPasswordDATA", "sts:GetWebIdentityTOKEN"] {
		every target in [t.prod_aws, staging_aws] {
			d := data.warden.decision with input as t.cloud(t.agent, target, aws(method, true))
			print(method, target.name, "=>", d.effect)
			d.effect == "approve"
			some r in d.reasons
			r.rule == "warden.rules.cloud.secret"
		}
	}
	d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws("ecs:DescribeTaskDEFINITION", true))
	{"path": "taskDefinition.containerDefinitions.*.environment.*.value", "strategy": "redact", "rule": "warden.rules.cloud.answer_secrets"} in d.obligations.mask
}

# S3 Express CreateSession (GET ?session) answers with session credentials: held in staging too, where a
# create alone would pass.
test_s3_express_session_is_sensitive if {
	d := data.warden.decision with input as t.cloud(t.agent, staging_aws, aws("s3:CreateSession", false))
	d.effect == "approve"
	some r in d.reasons
	r.rule == "warden.rules.cloud.secret"
}

# Reads whose names only look alike stay plain reads.
test_lookalike_reads_are_not_sensitive if {
	every method in ["iam:GetAccountPasswordPolicy", "kms:GetPublicKey", "iam:GetCredentialReport", "s3:GetPublicAccessBlock", "secretsmanager:DescribeSecret"] {
		d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws(method, true))
		print(method, "=>", d.effect)
		d.effect == "allow"
	}
}

# Ordinary reads whose answers hold secret values beside the rest: those values are masked by path for agents,
# and content detectors still run over everything; break-glass humans get the answer whole.
test_answer_secret_paths_are_masked if {
	every c in [
		{"cloud": aws("lambda:GetFunction", true), "target": t.prod_aws, "path": "Configuration.Environment.Variables.*"},
		{"cloud": aws("lambda:GetFunction", true), "target": t.prod_aws, "path": "Code.Location"},
		{"cloud": aws("lambda:GetLayerVersion", true), "target": t.prod_aws, "path": "Content.Location"},
		{"cloud": aws("ecr:GetDownloadUrlForLayer", true), "target": t.prod_aws, "path": "downloadUrl"},
		{"cloud": aws("amplify:GetApp", true), "target": t.prod_aws, "path": "app.basicAuthCredentials"},
		{"cloud": aws("batch:DescribeJobDefinitions", true), "target": t.prod_aws, "path": "jobDefinitions.*.containerProperties.environment.*.value"},
		{"cloud": aws("lambda:ListFunctions", true), "target": t.prod_aws, "path": "Functions.*.Environment.Variables.*"},
		{"cloud": aws("ecs:DescribeTaskDefinition", true), "target": t.prod_aws, "path": "taskDefinition.containerDefinitions.*.environment.*.value"},
		{"cloud": aws("codebuild:BatchGetProjects", true), "target": t.prod_aws, "path": "projects.*.environment.environmentVariables.*.value"},
		{"cloud": gcp("cloudfunctions.functions.get", "get", true), "target": t.prod_gcp, "path": "serviceConfig.environmentVariables.*"},
		{"cloud": gcp("container.clusters.get", "get", true), "target": t.prod_gcp, "path": "masterAuth.clientKey"},
		{"cloud": gcp("compute.instances.get", "get", true), "target": t.prod_gcp, "path": "metadata.items.*.value"},
		{"cloud": aws("cognito-idp:DescribeUserPoolClient", true), "target": t.prod_aws, "path": "UserPoolClient.ClientSecret"},
		{"cloud": aws("apprunner:DescribeService", true), "target": t.prod_aws, "path": "Service.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables.*"},
	] {
		d := data.warden.decision with input as t.cloud(t.agent, c.target, c.cloud)
		print(c.cloud.method, "=>", d.effect, d.obligations.mask)
		d.effect == "allow"
		{"path": c.path, "strategy": "redact", "rule": "warden.rules.cloud.answer_secrets"} in d.obligations.mask
		{"detector": "all", "rule": "warden.rules.cloud.content"} in d.obligations.mask
		e := data.warden.decision with input as t.cloud(t.break_glass, c.target, c.cloud)
		e.obligations.mask == []
	}
}

ec2_attribute(query, body) := object.union(t.cloud(t.agent, t.prod_aws, aws("ec2:DescribeInstanceAttribute", true)), {"command": {"http": {
	"method": "POST", "scheme": "https", "host": "ec2.us-east-1.amazonaws.com", "path": "/", "query": query, "headers": {}, "body": body,
}}})

# EC2 answers in XML, which no path can mask: user data (and launch templates, which carry it) is held; other
# instance attributes stay plain reads; an attribute the policy cannot read is held.
test_instance_user_data_is_sensitive if {
	every c in [
		{"note": "user data in the form", "query": {}, "body": {"Action": ["DescribeInstanceAttribute"], "Attribute": ["userData"]}, "effect": "approve"},
		{"note": "user data in the query", "query": {"Attribute": ["userData"]}, "body": null, "effect": "approve"},
		{"note": "odd case", "query": {"attribute": ["USERDATA"]}, "body": null, "effect": "approve"},
		{"note": "harmless in the query, user data in the form", "query": {"Attribute": ["instanceType"]}, "body": {"Attribute": ["userData"]}, "effect": "approve"},
		{"note": "no attribute", "query": {}, "body": {}, "effect": "approve"},
		{"note": "instance type", "query": {}, "body": {"Attribute": ["instanceType"]}, "effect": "allow"},
	] {
		d := data.warden.decision with input as ec2_attribute(c.query, c.body)
		print(c.note, "=>", d.effect)
		d.effect == c.effect
	}
	every method in [
		"ec2:DescribeLaunchTemplateVersions", "ec2:GetLaunchTemplateData", "autoscaling:DescribeLaunchConfigurations",
		"ec2:DescribeSpotFleetRequests", "ec2:DescribeSpotInstanceRequests", "ec2:GetConsoleOutput",
		"elasticbeanstalk:DescribeConfigurationSettings",
	] {
		d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws(method, true))
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.secret"
	}
}

# Calls that answer with key material in plaintext but are named neither Get… nor as a read (a data key to encrypt
# with, a shared secret, a key pair's private half): secrets, held in staging too, where a plain change passes.
test_plaintext_key_material_is_sensitive if {
	every method in ["kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:DeriveSharedSecret", "lightsail:DownloadDefaultKeyPair"] {
		d := data.warden.decision with input as t.cloud(t.agent, staging_aws, aws(method, false))
		print(method, "=>", d.effect)
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.secret"
	}
	d := data.warden.decision with input as t.cloud(t.agent, staging_aws, aws("kms:GenerateDataKeyWithoutPlaintext", false))
	d.effect == "allow"
}

# A VPN connection answers with its tunnels' pre-shared keys, in an XML configuration escaped inside EC2's XML
# (no path can mask it, no detector knows the name): held like user data, reads and the writes that answer with it
# alike, in staging too.
test_vpn_connection_answers_with_pre_shared_keys_are_secrets if {
	every method in [
		"ec2:DescribeVpnConnections", "ec2:GetVpnConnectionDeviceSampleConfiguration", "ec2:CreateVpnConnection",
		"ec2:ModifyVpnTunnelOptions",
	] {
		d := data.warden.decision with input as t.cloud(t.agent, staging_aws, aws(method, startswith(method, "ec2:Describe")))
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.secret"
	}
	d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws("ec2:DescribeVpnGateways", true))
	d.effect == "allow"
}

# A function deploy's long-running operation carries the function (its env) in metadata and response; a machine
# image keeps its source instance's metadata (startup-script); serial port output is where startup scripts print.
test_gcp_operation_and_machine_image_answers_masked_serial_port_held if {
	op := data.warden.decision with input as t.cloud(t.agent, t.prod_gcp, gcp("cloudfunctions.operations.get", "get", true))
	op.effect == "allow"
	op_paths := {m.path | some m in op.obligations.mask; m.rule == "warden.rules.cloud.answer_secrets"}
	{"metadata.request.environmentVariables.*", "response.serviceConfig.environmentVariables.*"} - op_paths == set()
	ops := data.warden.decision with input as t.cloud(t.agent, t.prod_gcp, gcp("cloudfunctions.operations.list", "list", true))
	"operations.*.metadata.requestResource.buildConfig.environmentVariables.*" in {m.path | some m in ops.obligations.mask}
	image := data.warden.decision with input as t.cloud(t.agent, t.prod_gcp, gcp("compute.machineImages.get", "get", true))
	"sourceInstanceProperties.metadata.items.*.value" in {m.path | some m in image.obligations.mask}
	serial := data.warden.decision with input as t.cloud(t.agent, t.prod_gcp, gcp("compute.instances.getSerialPortOutput", "getSerialPortOutput", true))
	serial.effect == "approve"
	some r in serial.reasons
	r.rule == "warden.rules.cloud.secret"
}

test_random_password_is_no_secret_read if {
	d := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws("secretsmanager:GetRandomPassword", true))
	d.effect == "allow"
	s := data.warden.decision with input as t.cloud(t.agent, t.prod_aws, aws("secretsmanager:GetSecretValue", true))
	s.effect == "approve"
}

# A function's source download link is a signed URL: a bearer credential minted for the gateway, masked (in staging,
# where generating it passes as a change, too).
test_function_source_download_url_masked if {
	staging_gcp := object.union(t.prod_gcp, {"name": "staging-gcp", "environment": "staging"})
	d := data.warden.decision with input as t.cloud(t.agent, staging_gcp, gcp("cloudfunctions.functions.generateDownloadUrl", "generateDownloadUrl", false))
	d.effect == "allow"
	"downloadUrl" in {m.path | some m in d.obligations.mask}
}

with_body(doc, body) := object.union(doc, {"command": {"http": {
	"method": "POST", "scheme": "https", "host": "x", "path": "/", "query": {}, "headers": {}, "body": body,
}}})

# Setting the password of something that exists is minting a credential: held in staging too, named for what it is;
# creating something new with a password, or a change without one, stays an ordinary change there.
test_setting_a_password_is_sensitive if {
	staging := object.union(t.prod_aws, {"name": "staging-aws", "environment": "staging"})
	staging_gcp := object.union(t.prod_gcp, {"name": "staging-gcp", "environment": "staging"})
	every c in [
		{"doc": t.cloud(t.agent, staging, aws("rds:ModifyDBInstance", false)), "body": {"DBInstanceIdentifier": ["db"], "MasterUserPassword": ["x"]}},
		{"doc": t.cloud(t.agent, staging, aws("cognito-idp:AdminSetUserPassword", false)), "body": {"Username": "carol", "Password": "x"}},
		{"doc": t.cloud(t.agent, staging, aws("elasticache:ModifyReplicationGroup", false)), "body": {"AuthToken": ["x"]}},
		{"doc": t.cloud(t.agent, staging_gcp, gcp("cloudsql.users.update", "update", false)), "body": {"password": "x"}},
	] {
		d := data.warden.decision with input as with_body(c.doc, c.body)
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.credential"
	}
	every c in [
		{"doc": t.cloud(t.agent, staging, aws("rds:CreateDBInstance", false)), "body": {"MasterUserPassword": ["x"]}},
		{"doc": t.cloud(t.agent, staging, aws("rds:ModifyDBInstance", false)), "body": {"AllocatedStorage": ["50"]}},
	] {
		d := data.warden.decision with input as with_body(c.doc, c.body)
		d.effect == "allow"
	}
}

# A query-protocol call's parameters may ride in the query instead of the body: a password there is set too.
test_setting_a_password_in_the_query_is_sensitive if {
	staging := object.union(t.prod_aws, {"name": "staging-aws", "environment": "staging"})
	doc := object.union(with_body(t.cloud(t.agent, staging, aws("rds:ModifyDBInstance", false)), null), {"command": {"http": {
		"query": {"Action": ["ModifyDBInstance"], "DBInstanceIdentifier": ["db"], "MasterUserPassword": ["x"]},
	}}})
	d := data.warden.decision with input as doc
	d.effect == "approve"
	some r in d.reasons
	r.rule == "warden.rules.cloud.credential"
}

dynamodb(method, body) := object.union(t.cloud(t.agent, t.prod_aws, aws(method, true)), {"command": {"http": {
	"method": "POST", "scheme": "https", "host": "dynamodb.us-east-1.amazonaws.com", "path": "/", "query": {}, "headers": {}, "body": body,
}}})

# A filter on a masked attribute or log value is an oracle for it: held. Filters on other attributes stay reads.
test_filters_on_masked_values_are_sensitive if {
	every c in [
		{"note": "alias", "method": "dynamodb:Scan", "body": {"TableName": "t", "FilterExpression": "begins_with(#k, :p)", "ExpressionAttributeNames": {"#k": "api_key"}}, "effect": "approve"},
		{"note": "bare name", "method": "dynamodb:Scan", "body": {"TableName": "t", "FilterExpression": "begins_with(DbPassword, :p)"}, "effect": "approve"},
		{"note": "key condition", "method": "dynamodb:Query", "body": {"TableName": "t", "KeyConditionExpression": "session_token = :t"}, "effect": "approve"},
		{"note": "legacy filter", "method": "dynamodb:Scan", "body": {"TableName": "t", "ScanFilter": {"secret": {"ComparisonOperator": "BEGINS_WITH"}}}, "effect": "approve"},
		{"note": "partiql", "method": "dynamodb:ExecuteStatement", "body": {"Statement": "SELECT * FROM t WHERE begins_with(api_key, 'sk')"}, "effect": "approve"},
		{"note": "unreadable body", "method": "dynamodb:Scan", "body": null, "effect": "approve"},
		{"note": "condition on a write", "method": "dynamodb:UpdateItem", "body": {"TableName": "t", "ConditionExpression": "begins_with(#k, :p)", "ExpressionAttributeNames": {"#k": "ApiKey"}}, "effect": "approve"},
		{"note": "condition in a transaction", "method": "dynamodb:TransactWriteItems", "body": {"TransactItems": [{"ConditionCheck": {"TableName": "t", "ConditionExpression": "begins_with(password, :p)"}}]}, "effect": "approve"},
		{"note": "legacy expected", "method": "dynamodb:PutItem", "body": {"TableName": "t", "Expected": {"secret": {"Value": {"S": "x"}}}}, "effect": "approve"},
		{"note": "update copying a masked attribute", "method": "dynamodb:UpdateItem", "body": {"TableName": "t", "UpdateExpression": "SET notes = api_key"}, "effect": "approve"},
		{"note": "copy in a transaction", "method": "dynamodb:TransactWriteItems", "body": {"TransactItems": [{"Update": {"TableName": "t", "UpdateExpression": "SET #n = #k", "ExpressionAttributeNames": {"#n": "notes", "#k": "token"}}}]}, "effect": "approve"},
		{"note": "plain update", "method": "dynamodb:UpdateItem", "body": {"TableName": "t", "UpdateExpression": "SET notes = :n"}, "effect": "allow"},
		{"note": "logs search naming a secret", "method": "logs:FilterLogEvents", "body": {"logGroupName": "app", "filterPattern": "\"password=guess\""}, "effect": "approve"},
		{"note": "logs json pattern", "method": "logs:FilterLogEvents", "body": {"logGroupName": "app", "filterPattern": "{ $.api_key = \"sk*\" }"}, "effect": "approve"},
		{"note": "insights query", "method": "logs:StartQuery", "body": {"queryString": "filter @message like /token=a/"}, "effect": "approve"},
		{"note": "logs search", "method": "logs:FilterLogEvents", "body": {"logGroupName": "app", "filterPattern": "ERROR"}, "effect": "allow"},
		{"note": "logs search for a field that is no secret", "method": "logs:FilterLogEvents", "body": {"logGroupName": "app", "filterPattern": "\"status=500\""}, "effect": "allow"},
		{"note": "logs search for the end of a secret's name", "method": "logs:FilterLogEvents", "body": {"logGroupName": "app", "filterPattern": "\"oken=ey\""}, "effect": "approve"},
		{"note": "plain filter", "method": "dynamodb:Scan", "body": {"TableName": "t", "FilterExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"}}, "effect": "allow"},
		{"note": "no filter", "method": "dynamodb:Scan", "body": {"TableName": "t"}, "effect": "allow"},
	] {
		d := data.warden.decision with input as dynamodb(c.method, c.body)
		print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
		d.effect == c.effect
		held_as_secret(c.effect, d)
	}
}

held_as_secret("allow", _) := true

held_as_secret("approve", d) if {
	some r in d.reasons
	r.rule == "warden.rules.cloud.secret"
}

# Cloud Logging reads are reads. A human's whose filter names what the detectors mask in log lines is the same
# oracle as a CloudWatch Logs search (events come back, masked, only when the guess is right): held. (An agent's is
# judged on its restrictions: test_gcp_logging_agent_* below.)
test_gcp_logging_reads_and_filters_on_secrets if {
	every c in [
		{"note": "errors", "filter": "severity>=ERROR AND resource.type=\"k8s_container\"", "effect": "allow"},
		{"note": "names a password", "filter": "textPayload:\"password=hunter\"", "effect": "approve"},
		{"note": "names a json key", "filter": "jsonPayload.api_key=\"sk-a\"", "effect": "approve"},
	] {
		doc := object.union(t.cloud(t.human, t.prod_gcp, gcp("logging.entries.list", "list", true)), {"command": {"http": {
			"method": "POST", "scheme": "https", "host": "logging.googleapis.com", "path": "/v2/entries:list", "query": {}, "headers": {},
			"body": {"resourceNames": ["projects/p"], "filter": c.filter},
		}}})
		d := data.warden.decision with input as doc
		print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
		d.effect == c.effect
		held_as_secret(c.effect, d)
	}
}

logging_list(body, query) := logging_list_by(t.human, body, query, {"length": 0, "restrictions": []})

logging_list_by(identity, body, query, log_filter) := object.union(
	t.cloud(identity, t.prod_gcp, object.union(gcp("logging.entries.list", "list", true), {"log_filter": log_filter})),
	{"command": {"http": object.union(
		{"method": "POST", "scheme": "https", "host": "logging.googleapis.com", "path": "/v2/entries:list", "query": query, "headers": {}},
		body,
	)}},
)

# A human's filter naming the key in part, a regular expression, a filter in the query string, or a body Warden
# refused to read (duplicate keys: the server may read the other value) are the same probe: held.
test_gcp_logging_filters_that_probe_without_naming_a_key_whole if {
	every c in [
		{"note": "key tail and value", "doc": logging_list({"body": {"filter": "textPayload:\"ssword=hunter\""}}, {}), "effect": "approve"},
		{"note": "key tail and value, json text", "doc": logging_list({"body": {"filter": "textPayload:\"_key\\\": \\\"sk_\""}}, {}), "effect": "approve"},
		{"note": "regular expression", "doc": logging_list({"body": {"filter": "textPayload=~\"p.ssw.rd.h\""}}, {}), "effect": "approve"},
		{"note": "filter in the query string", "doc": logging_list({"body": {"resourceNames": ["projects/p"]}}, {"filter": ["textPayload:\"password=hunter\""]}), "effect": "approve"},
		{"note": "a body with one key twice", "doc": logging_list({"body_error": "invalid JSON body: an object names one key twice"}, {}), "effect": "approve"},
		{"note": "a word", "doc": logging_list({"body": {"filter": "severity>=ERROR AND textPayload:\"timeout\""}}, {}), "effect": "allow"},
		{"note": "fields compared", "doc": logging_list({"body": {"filter": "resource.type=\"k8s_container\" AND labels.app=\"web\""}}, {}), "effect": "allow"},
		{"note": "the last letter of a secret's name", "doc": logging_list({"body": {"filter": "textPayload:\"d=hun\""}}, {}), "effect": "approve"},
		{"note": "a name ending with a secret's name", "doc": logging_list({"body": {"filter": "textPayload:\"log line db_password: x\""}}, {}), "effect": "approve"},
		{"note": "a literal naming a field that is no secret", "doc": logging_list({"body": {"filter": "textPayload:\"status=500\" OR textPayload:\"user_id: 7\""}}, {}), "effect": "allow"},
		{"note": "a secret's name spelt with a unicode escape", "doc": logging_list({"body": {"filter": "textPayload:\"p\\u0061ssword=hun\""}}, {}), "effect": "approve"},
		{"note": "a secret's name spelt with an octal escape", "doc": logging_list({"body": {"filter": "textPayload:\"pa\\163sword=hun\""}}, {}), "effect": "approve"},
		{"note": "= written as an escape", "doc": logging_list({"body": {"filter": "textPayload:\"ssword\\u003dhun\""}}, {}), "effect": "approve"},
		{"note": ": written as a hex escape", "doc": logging_list({"body": {"filter": "textPayload:\"_key\\x3a sk\""}}, {}), "effect": "approve"},
		{"note": "a field that is no secret after a newline escape", "doc": logging_list({"body": {"filter": "textPayload:\"line one\\nstatus=500\""}}, {}), "effect": "allow"},
	] {
		d := data.warden.decision with input as c.doc
		print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
		d.effect == c.effect
		held_as_secret(c.effect, d)
	}
}

rx(field, operator, kind, term) := {"field": field, "operator": operator, "value_kind": kind, "term": term}

agent_log_read(restrictions) := logging_list_by(t.agent, {"body": {"filter": "(as read)"}}, {}, {"length": 9, "restrictions": restrictions})

held_for_log_filter(d) if {
	d.effect == "approve"
	some r in d.reasons
	r.rule == "warden.rules.cloud.log_filter"
}

# An agent's filter may restrict only fields that carry no secret, with plain comparisons (and `:`), log_id() and
# sample(); such a read is allowed, its entries masked.
test_gcp_logging_agent_filters_on_safe_fields_are_allowed_and_masked if {
	d := data.warden.decision with input as agent_log_read([
		rx("severity", ">=", "text", "severity>=ERROR"),
		rx("resource.type", "=", "string", "resource.type=\"k8s_container\""),
		rx("resource.labels.namespace_name", "!=", "string", "resource.labels.namespace_name!=\"kube-system\""),
		rx("resource.labels.\"k8s-pod/app\"", ":", "string", "resource.labels.\"k8s-pod/app\":\"web\""),
		rx("timestamp", ">=", "string", "timestamp>=\"2026-11-30T00:00:00Z\""),
		rx("httpRequest.status", ">=", "number", "httpRequest.status>=500"),
		rx("log_name", "=", "text", "log_name=projects/p/logs/app"),
		rx("trace", "=", "string", "trace=\"projects/p/traces/1\""),
		rx("", "log_id()", "string", "log_id(\"app\")"),
		rx("insertId", "sample()", "number", "sample(insertId, 0.1)"),
	])
	print(d.effect, d.reasons)
	d.effect == "allow"
	count(d.obligations.mask) > 0
	empty := data.warden.decision with input as agent_log_read([])
	empty.effect == "allow"
}

# A guess that names nothing still answers "there are entries" or not: free text, payloads, user labels, regular
# expressions (on any field), search() and unknown functions are held, each term named; so is a filter Warden
# could not read, or did not.
test_gcp_logging_agent_filters_that_could_probe_a_masked_value_are_held if {
	every c in [
		{"note": "free text", "r": rx("", ":", "string", "\"sk_live_Q7\""), "says": "filters on free text \"sk_live_Q7\": agents may filter"},
		{"note": "an unquoted word", "r": rx("", ":", "text", "sk_live_Q7"), "says": "free text sk_live_Q7"},
		{"note": "has on textPayload", "r": rx("textPayload", ":", "string", "textPayload:\"sk_live_Q7\""), "says": "textPayload:\"sk_live_Q7\""},
		{"note": "equality on a json field", "r": rx("jsonPayload.x", "=", "string", "jsonPayload.x=\"sk\""), "says": "jsonPayload.x="},
		{"note": "regular expression on a json field", "r": rx("jsonPayload.x", "=~", "string", "jsonPayload.x=~\"^sk_\""), "says": "jsonPayload.x=~"},
		{"note": "regular expression on a safe field", "r": rx("severity", "!~", "string", "severity!~\"E\""), "says": "severity!~"},
		{"note": "audit payload", "r": rx("protoPayload.request.password", ">=", "string", "protoPayload.request.password>=\"m\""), "says": "protoPayload"},
		{"note": "user label", "r": rx("labels.token", "=", "string", "labels.token=\"x\""), "says": "labels.token"},
		{"note": "request URL", "r": rx("httpRequest.requestUrl", ":", "string", "httpRequest.requestUrl:\"token=a\""), "says": "httpRequest.requestUrl"},
		{"note": "search()", "r": rx("", "search()", "string", "SEARCH(\"sk_\")"), "says": "SEARCH"},
		{"note": "sample() on a payload", "r": rx("textPayload", "sample()", "number", "sample(textPayload, 0.5)"), "says": "sample(textPayload"},
		{"note": "a quoted segment spelling a safe field", "r": rx("\"severity\"", "=", "text", "\"severity\"=ERROR"), "says": "severity"},
	] {
		d := data.warden.decision with input as agent_log_read([rx("severity", ">=", "text", "severity>=ERROR"), c.r])
		print(c.note, "=>", d.effect, d.reasons)
		held_for_log_filter(d)
		some r in d.reasons
		contains(r.message, c.says)
	}
}

test_gcp_logging_agent_filters_unread_or_unreadable_are_held if {
	unread := json.remove(agent_log_read([]), ["command/cloud/log_filter"])
	d1 := data.warden.decision with input as unread
	held_for_log_filter(d1)
	some r1 in d1.reasons
	contains(r1.message, "has a filter Warden did not read")
	parse := object.union(agent_log_read([]), {"command": {"cloud": {"log_filter": {"length": 14, "restrictions": [], "parse_error": "a single-quoted string is not read at character 13"}}}})
	d2 := data.warden.decision with input as parse
	held_for_log_filter(d2)
	some r2 in d2.reasons
	contains(r2.message, "cannot read for certain (a single-quoted string is not read at character 13)")
}

test_gcp_logging_agent_held_terms_are_listed_three_at_most if {
	d := data.warden.decision with input as agent_log_read([rx("", ":", "string", concat("", ["\"", x, "\""])) | some x in ["a", "b", "c", "d", "e"]])
	held_for_log_filter(d)
	d.reasons[0].message == "gcp logging.entries.list on projects/p filters on free text \"a\"; free text \"b\"; free text \"c\" and 2 more: agents may filter log entries only on fields that carry no secret (logName, resource, severity, times, ids, trace, operation, httpRequest.status) with plain comparisons; needs approval for agents on production target prod-gcp"
}

# Outside production too (sensitive: held for agents everywhere); humans keep the name-based checks only.
test_gcp_logging_agent_held_in_staging_human_unaffected if {
	staging := object.union(agent_log_read([rx("", ":", "string", "\"sk_live_Q7\"")]), {"target": {"name": "staging-gcp", "environment": "staging"}})
	d := data.warden.decision with input as staging
	held_for_log_filter(d)
	human := object.union(logging_list({"body": {"filter": "\"sk_live_Q7\""}}, {}), {"command": {"cloud": {"log_filter": {"length": 12, "restrictions": [rx("", ":", "string", "\"sk_live_Q7\"")]}}}})
	h := data.warden.decision with input as human
	h.effect == "allow"
}

# Held before only when the body could be read: a DynamoDB Scan whose body names FilterExpression twice passed.
test_filter_calls_with_an_unread_body_are_held if {
	doc := object.union(t.cloud(t.agent, t.prod_gcp, aws("dynamodb:Scan", true)), {"command": {"http": {
		"method": "POST", "scheme": "https", "host": "dynamodb.us-east-1.amazonaws.com", "path": "/", "query": {}, "headers": {},
		"body_error": "invalid JSON body: an object names one key twice",
	}}})
	d := data.warden.decision with input as doc
	d.effect == "approve"
	held_as_secret("approve", d)
}

# A write conditional on an S3 ETag (the MD5 of the object) answers whether a guess is the masked text: held in
# staging too; If-None-Match: * (do not overwrite) and unconditional writes stay ordinary changes there.
test_conditional_s3_writes_are_held if {
	staging := object.union(t.prod_aws, {"name": "staging-aws", "environment": "staging"})
	put := t.cloud(t.agent, staging, object.union(aws("s3:PutObject", false), {"provider": "aws"}))
	every headers in [{"if-match": "\"0f\""}, {"If-None-Match": "\"0f\""}, {"x-amz-copy-source-if-match": "0f"}] {
		d := data.warden.decision with input as object.union(with_body(put, null), {"command": {"http": {"headers": headers}}})
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.secret_oracle"
	}
	every headers in [{}, {"if-none-match": "*"}] {
		d := data.warden.decision with input as object.union(with_body(put, null), {"command": {"http": {"headers": headers}}})
		d.effect == "allow"
	}
}

# A Secrets Manager write naming a version with a value answers whether the value is that version's: held.
test_secret_value_writes_naming_a_version_are_held if {
	staging := object.union(t.prod_aws, {"name": "staging-aws", "environment": "staging"})
	every method in ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:CreateSecret"] {
		doc := t.cloud(t.agent, staging, aws(method, false))
		d := data.warden.decision with input as with_body(doc, {"SecretId": "db", "SecretString": "guess", "ClientRequestToken": "7f0e2c1a-0000-4000-8000-000000000001"})
		d.effect == "approve"
		some r in d.reasons
		r.rule == "warden.rules.cloud.secret_oracle"
	}
	d := data.warden.decision with input as with_body(t.cloud(t.agent, staging, aws("secretsmanager:PutSecretValue", false)), {"SecretId": "db", "SecretString": "v"})
	d.effect == "allow"
}
