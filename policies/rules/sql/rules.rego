# The default production-access policy for SQL (PostgreSQL and MySQL): every statement entry is
# classified (statements.rego, calls.rego, session_settings.rego) and the class's verdict for this
# caller and target (policies/lib/actor.rego) decides. A parse error is always denied; a command with
# no statements runs nothing and is allowed.
package warden.rules.sql

import data.warden.lib

findings contains {"class": "invalid", "rule": "warden.rules.sql.parse_error", "message": msg} if {
	is_string(input.command.sql.parse_error)
	msg := concat("", ["the SQL could not be parsed (", input.command.sql.parse_error, ")"])
}

findings contains f if {
	is_object(input.command.sql)
	not statements_list
	f := {"class": "invalid", "rule": "warden.rules.sql.parse_error", "message": "the SQL command has no statements list"}
}

statements_list if is_array(input.command.sql.statements)

sql_command if input.command.sql

# Every finding needs a command.sql: other requests skip them.
deny contains r if {
	sql_command
	some r in lib.reasons_for(findings, "deny")
}

approve contains r if {
	sql_command
	some r in lib.reasons_for(findings, "approve")
}

info contains r if {
	sql_command
	some r in lib.reasons_for(findings, "allow")
}
