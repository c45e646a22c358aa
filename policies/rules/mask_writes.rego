# A write that carries a value Warden masked in an earlier answer would overwrite the real value with the mask (a
# manifest fetched masked and applied, a masked email written back with UPDATE). Class mask_output: denied to those
# whose answers are masked (agents, humans in production), held for the others (break-glass, humans elsewhere),
# who read values whole and may mean the text (`[token]` in a usage string) or copy an agent's masked output. The normalizer marks such requests: command.http.carries_mask_output for a body,
# carries_mask_output on a SQL statement that writes or calls a function (engine/normalize/mask-output.ts says what is
# recognised).
package warden.rules.mask_writes

import data.warden.lib
import data.warden.rules.sql

overwrite := "writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask"

h := input.command.http

read_methods := {"GET", "HEAD", "OPTIONS"}

# A read (a filter on a mask finds nothing) changes nothing: the read rules judge it.
read_request if upper(lib.text(h, "method")) in read_methods

read_request if input.command.cloud.read_only == true

# A statement that writes, or a read that calls a function not on the known-safe list, which may write what it is
# given (a user's set_email(id, text)). The normalizer marks reads that call functions too; a plain read that
# filters on a mask changes nothing.
may_write(s) if not s.read_only == true

may_write(s) if {
	some fn in s.functions
	not sql.known_function(fn)
}

findings contains f if {
	h.carries_mask_output == true
	not read_request
	what := concat("", [upper(lib.text(h, "method")), " ", lib.text(h, "host"), lib.text(h, "path")])
	msg := concat("", ["the request ", what, " ", overwrite])
	f := {"class": "mask_output", "rule": "warden.rules.mask_writes.body", "message": msg}
}

findings contains f if {
	some i, s in input.command.sql.statements
	s.carries_mask_output == true
	may_write(s)
	msg := concat("", ["statement ", format_int(i + 1, 10), " (", lib.text(s, "type"), ") ", overwrite])
	f := {"class": "mask_output", "rule": "warden.rules.mask_writes.sql", "message": msg}
}

deny contains r if some r in lib.reasons_for(findings, "deny")

approve contains r if some r in lib.reasons_for(findings, "approve")
