# A write that reads something else (an S3 CopyObject or UploadPartCopy, a Cloud Storage compose, rewrite or copy)
# names what it reads in input.command.cloud.sources (engine/normalize/cloud/copy-source.ts), each object in its
# own bucket. Each is judged as the read it is, by every rule package, and the write is refused when that read
# would be denied; when it would carry masks (a copy moves the bytes whole, where no mask can reach them, and
# the copy is then read unmasked or shared); or when it would need an approval no grant in force covers (the
# copy's own approval does not show its reviewer what is read). A source Warden could not name for certain
# (input.command.cloud.source_error) refuses the write too.
package warden

copy_sources := object.get(input, ["command", "cloud", "sources"], [])

source_denials contains {"rule": "warden.sources.unread", "message": msg} if {
	err := input.command.cloud.source_error
	msg := concat("", ["the request reads objects Warden cannot name for certain (", err, "); refused"])
}

# A source the read cannot be built for (a provider other than aws or gcp, a field that is no string) is no read
# judged: refused.
source_denials contains {"rule": "warden.sources.unread", "message": msg} if {
	some src in copy_sources
	not source_readable(src)
	msg := "the request reads an object Warden cannot judge as a read (a source without a string resource, bucket and object, or of another provider than aws or gcp); refused"
}

source_readable(src) if source_read_input(src)

source_denials contains r if {
	some src in copy_sources
	read := source_read_input(src)
	reasons := deny_reasons with input as read
	some d in reasons
	r := {"rule": d.rule, "message": concat("", [source_what(src), ", a read denied: ", d.message])}
}

source_denials contains r if {
	some src in copy_sources
	read := source_read_input(src)
	errors := input_errors | policy_errors with input as read
	some d in errors
	r := {"rule": d.rule, "message": concat("", [source_what(src), ", a read refused: ", d.message])}
}

source_denials contains {"rule": "warden.sources.masked", "message": msg} if {
	some src in copy_sources
	read := source_read_input(src)
	results := mask_results with input as read
	count(results) > 0
	rules := sort({k[count(k) - 1] | some k in results})
	msg := concat("", [
		source_what(src), ", a read that would be masked (", concat(", ", rules),
		"): a copy cannot be masked, so it is refused",
	])
}

source_denials contains r if {
	some src in copy_sources
	read := source_read_input(src)
	held := approve_reasons with input as read
	count(held) > 0
	not covered with input as read
	some h in held
	r := {"rule": h.rule, "message": concat("", [
		source_what(src), ", a read that needs approval: ", h.message,
		"; a copy is not held for what it reads, so it is refused",
	])}
}

source_what(src) := concat("", ["the request reads ", src.resource, version_part(src)])

version_part(src) := concat("", [" (version ", src.version, ")"]) if is_string(src.version)

else := ""

# The input document of a plain read of the source (S3 GetObject, Cloud Storage objects.get) by the same caller on
# the same target: the write's command is replaced whole, so nothing of the write (its headers, body, sources)
# rides along.
source_read_input(src) := object.union(object.remove(input, ["command"]), {"command": {
	"protocol": input.command.protocol,
	"raw": concat("", ["GET ", src.resource]),
	"digest": concat("", ["read ", src.resource]),
	"fingerprint": concat("", ["read ", src.resource]),
	"http": {
		"method": "GET",
		"scheme": object.get(input.command, ["http", "scheme"], "https"),
		"host": object.get(input.command, ["http", "host"], ""),
		"path": concat("/", ["", src.bucket, src.object]),
		"query": version_query(src),
		"headers": {},
	},
	"cloud": object.union(read_command[input.command.cloud.provider], region_part(src)),
}})

read_command := {
	"aws": {"provider": "aws", "service": "s3", "method": "s3:GetObject", "operation": "GetObject", "read_only": true},
	"gcp": {"provider": "gcp", "service": "storage", "method": "storage.objects.get", "operation": "get", "read_only": true},
}

region_part(src) := {"resource": src.resource, "region": input.command.cloud.region} if {
	is_string(input.command.cloud.region)
} else := {"resource": src.resource}

version_query(src) := {"versionId": [src.version]} if {
	is_string(src.version)
	input.command.cloud.provider == "aws"
} else := {"generation": [src.version]} if {
	is_string(src.version)
} else := {}
