# A rule package for sources_test.rego only (test files are never built into the bundle): it denies reads of the
# bucket forbidden-vault and holds reads of the bucket held-vault, and objects to nothing else.
package warden.rules.source_reads_fixture

deny contains "objects in forbidden-vault are not to be read" if {
	input.command.cloud.read_only == true
	input.command.cloud.resource == "arn:aws:s3:::forbidden-vault/secret.csv"
}

approve contains "objects in held-vault are read with approval" if {
	input.command.cloud.read_only == true
	input.command.cloud.resource == "arn:aws:s3:::held-vault/secret.csv"
}

# Approved for the whole target: a grant of that scope covers such a read.
approval contains {"scope": "target"} if {
	input.command.cloud.resource == "arn:aws:s3:::held-vault/secret.csv"
}
