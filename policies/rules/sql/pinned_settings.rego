# Settings that change how PostgreSQL reads the bytes of a statement. Warden parses SQL as UTF-8 with
# standard-conforming strings and pins these values on every upstream session; a statement that could
# change them is denied outright, whatever `verdicts` says, break-glass included.
package warden.rules.sql

pinned_settings := {"client_encoding", "standard_conforming_strings", "backslash_quote"}

# Statements whose SET clauses are not in the normalized detail (catalog.set_clause_nodes): any mention of a
# pinned name counts.

postgres_sql if input.command.sql.dialect == "postgres"

# [statement index, what changes a pinned setting]
pinned_changes contains [i, concat("", [upper(s.type), " ", name])] if {
	some i, s in statements
	catalog.type_groups.setting[s.type]
	name := setting_name(s)
	name in pinned_settings
}

pinned_changes contains [i, concat("", ["a SET clause for ", name])] if {
	some i, s in statements
	catalog.set_clause_nodes[s.node]
	some name in pinned_settings
	contains(lower(s.text), name)
}

pinned_changes contains [i, concat("", ["ALTER ROLE … SET ", name])] if {
	some i, s in statements
	s.type == "alter_role"
	name := lower(s.detail.setting.name)
	name in pinned_settings
}

# set_config's setting name is an argument the policy does not see: it could name a pinned setting.
pinned_changes contains [i, "set_config, whose setting name the policy cannot see (use SET instead)"] if {
	some i, s in statements
	some f in s.functions
	f.name == "set_config"
}

pinned_changes contains [i, "a write to pg_settings"] if {
	some i, s in statements
	some t in s.tables
	t.name == "pg_settings"
	t.access == "write"
}

deny contains {"rule": "warden.rules.sql.pinned_setting", "message": msg} if {
	postgres_sql
	some [i, what] in pinned_changes
	msg := sprintf(
		"statement %d: %s could change client_encoding, standard_conforming_strings or backslash_quote, which Warden pins so that the server reads SQL as it was judged; denied for everyone",
		[i + 1, what],
	)
}
