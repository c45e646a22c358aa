# Classifies every SQL statement entry, nested ones included, into findings {class, rule, message}.
# Allowlist: a statement raises no finding only when it is positively read-only or a plain session /
# transaction statement; everything else is a change, or worse. The strictest finding wins.
package warden.rules.sql

import data.warden.lib

statements := input.command.sql.statements

# The statement tables live in data.warden.catalog.sql (policies/warden/catalog/sql/data.json):
#   statement_types  every type Warden recognises, valued by what it does (session, read, change,
#                    privilege, destructive, server, copy, code, prepared, setting, unrecognised)
#   change_verbs     writes and DDL a reviewer can judge (approve in production), with how to say them
#   nodes            parse nodes whose statement type is generic but that change who may do what
#                    (privilege), reach outside the database: foreign servers, user mappings,
#                    subscriptions, event triggers, database settings (dangerous), or touch the server's
#                    file system or load code (critical)
#   untrusted_languages  function languages whose code runs unsandboxed in the server process
#   privilege_subcommands  ALTER TABLE subcommands that change ownership or row-level security
#   type_groups          the statement types a rule below applies to, keyed for lookup (a set literal in a
#                        rule body is rebuilt on every evaluation of the WASM build; data is loaded once)

label(i, s) := concat("", ["statement ", format_int(i + 1, 10), " (", type_name(s), ")", nesting(s)])

type_name(s) := s.type if {
	is_string(s.type)
} else := "no type"

nesting(s) := concat("", [
	" inside statement ", format_int(s.nested.parent_index + 1, 10),
	" via ", lib.text(s.nested, "via"),
]) if {
	is_number(s.nested.parent_index)
} else := ""

on_tables(s, access) := concat("", [" on ", concat(", ", sort(names))]) if {
	names := {t.full_name | some t in s.tables; t.access == access; is_string(t.full_name)}
	count(names) > 0
} else := ""

# Entries found inside entry i (writable CTE bodies, EXPLAIN ANALYZE targets, prepared statements …).
has_children(i) if {
	some c in statements
	c.nested.parent_index == i
}

finding(i, s, class, topic, what) := {
	"class": class,
	"rule": concat(".", ["warden.rules.sql", topic]),
	"message": concat("", [label(i, s), ": ", what]),
}

# ---- by statement type ----

findings contains f if {
	some i, s in statements
	catalog.type_groups.row_write[s.type]
	msg := concat("", ["writes rows", on_tables(s, "write")])
	f := finding(i, s, "change", "write", msg)
}

findings contains f if {
	some i, s in statements
	catalog.type_groups.filtered_write[s.type]
	s.has_where == true
	msg := concat("", ["changes rows with a WHERE clause", on_tables(s, "write")])
	f := finding(i, s, "change", "write", msg)
}

findings contains f if {
	some i, s in statements
	catalog.type_groups.filtered_write[s.type]
	not s.has_where == true
	msg := concat("", ["has no WHERE clause that limits its rows and changes every row", on_tables(s, "write")])
	f := finding(i, s, "destructive", "unbounded_write", msg)
}

# MERGE … ON true WHEN MATCHED THEN DELETE: no condition of the action reads the target row.
findings contains f if {
	some i, s in statements
	s.type == "merge"
	count(s.detail.unbounded_actions) > 0
	msg := concat("", [
		"has a WHEN clause that may ", concat(" or ", s.detail.unbounded_actions),
		" every row (neither its ON condition nor its own reads the target row)", on_tables(s, "write"),
	])
	f := finding(i, s, "destructive", "unbounded_write", msg)
}

findings contains f if {
	some i, s in statements
	catalog.type_groups.destroy[s.type]
	msg := concat("", ["removes ", object_kind(s), " data or objects", on_tables(s, "write")])
	f := finding(i, s, "destructive", "destroy", msg)
}

findings contains f if {
	some i, s in statements
	verb := catalog.change_verbs[s.type]
	not access_share_lock(s)
	not special_node(s)
	not changes_owner_or_security(s)
	msg := concat("", [verb, on_tables(s, "write")])
	f := finding(i, s, "change", "ddl", msg)
}

# LOCK … IN ACCESS SHARE MODE (AccessShareLock, 1 in lockdefs.h), which pg_dump takes on every table it dumps: the
# lock any SELECT of the table holds to its transaction's end. It conflicts only with ACCESS EXCLUSIVE (DROP,
# TRUNCATE, most ALTER TABLE, VACUUM FULL), which an open transaction that read the table blocks as well; the
# gateway's transaction and idle-in-transaction limits bound how long either is held.
access_share_lock(s) if {
	s.type == "lock"
	s.detail.mode == 1
}

# CREATE CAST … WITH FUNCTION binds a function to a cast: it then runs wherever a value of the source type is cast to
# the target, by `::` or implicitly (lower(m) of an enum column cast to text), in statements that never name it, so
# none of them is judged as calling it. WITH INOUT and WITHOUT FUNCTION run only the types' own input and output.
findings contains f if {
	some i, s in statements
	s.node == "CreateCastStmt"
	is_string(s.detail.function)
	msg := concat("", [
		"creates a cast through function ", s.detail.function,
		", which would then run wherever such a value is cast, in statements that do not name it",
	])
	f := finding(i, s, "dangerous", "cast_function", msg)
}

findings contains f if {
	some i, s in statements
	privileged(s)
	f := finding(i, s, "privilege", "privilege", "changes roles, grants or ownership")
}

findings contains f if {
	some i, s in statements
	catalog.nodes[s.node] == "dangerous"
	msg := "reaches outside the database (foreign servers, subscriptions, event triggers, database settings)"
	f := finding(i, s, "dangerous", "external", msg)
}

findings contains f if {
	some i, s in statements
	s.type != "copy"
	system_level(s)
	f := finding(i, s, "critical", "system", "changes server-wide configuration or the server's file system")
}

findings contains f if {
	some i, s in statements
	s.type == "checkpoint"
	f := finding(i, s, "dangerous", "checkpoint", "forces a server-wide checkpoint")
}

findings contains f if {
	some i, s in statements
	not known_type(s)
	f := finding(i, s, "dangerous", "unrecognised", "is not a statement Warden recognises")
}

known_type(s) if catalog.statement_types[s.type]

special_node(s) if catalog.nodes[s.node]

findings contains f if {
	some i, s in statements
	s.type == "other"
	f := finding(i, s, "dangerous", "unrecognised", "is not a statement Warden recognises")
}

privileged(s) if catalog.statement_types[s.type] == "privilege"

privileged(s) if catalog.nodes[s.node] == "privilege"

privileged(s) if changes_owner_or_security(s)

# ALTER TABLE … OWNER TO and … ROW LEVEL SECURITY are AlterTableStmt subcommands: the normalizer lists
# them from the parse tree (detail.subcommands), whatever comments or spacing the text has.
changes_owner_or_security(s) if {
	some c in s.detail.subcommands
	catalog.privilege_subcommands[c]
}

# Fail closed: an ALTER TABLE whose subcommands are not listed is treated as one that could change them.
changes_owner_or_security(s) if {
	s.node == "AlterTableStmt"
	not subcommands_listed(s)
}

subcommands_listed(s) if is_array(s.detail.subcommands)

system_level(s) if catalog.type_groups.system[s.type]

system_level(s) if catalog.nodes[s.node] == "critical"

system_level(s) if {
	s.type == "create_function"
	catalog.untrusted_languages[lower(s.detail.language)]
}

object_kind(s) := s.detail.object_kind if {
	is_string(s.detail.object_kind)
} else := "table"

# ---- reads that are not positively read-only ----

findings contains f if {
	some i, s in statements
	catalog.type_groups.locking_read[s.type]
	not s.read_only == true
	locking(s)
	f := finding(i, s, "change", "locking", "locks the rows it reads (FOR UPDATE / FOR SHARE)")
}

findings contains f if {
	some i, s in statements
	catalog.type_groups.read[s.type]
	not s.read_only == true
	not locking(s)
	not has_children(i)
	f := finding(i, s, "change", "not_read_only", "is not recognised as read-only")
}

findings contains f if {
	some i, s in statements
	catalog.type_groups.wrapper[s.type]
	not s.read_only == true
	not has_children(i)
	f := finding(i, s, "dangerous", "unseen", "runs a statement Warden could not see")
}

locking(s) if {
	s.detail.locking
	s.detail.locking != []
	s.detail.locking != ""
}

# ---- EXECUTE, DO, CALL-like procedural statements ----

findings contains f if {
	some i, s in statements
	s.type == "execute"
	not s.detail.resolved == true
	msg := concat("", ["runs prepared statement ", lib.text(s.detail, "name"), ", which Warden has not seen"])
	f := finding(i, s, "dangerous", "execute", msg)
}

findings contains f if {
	some i, s in statements
	s.type == "execute"
	s.detail.resolved == true
	not s.read_only == true
	not has_children(i)
	f := finding(i, s, "dangerous", "unseen", "runs a prepared statement Warden could not see")
}

findings contains f if {
	some i, s in statements
	s.type == "do"
	msg := do_message(s)
	f := finding(i, s, "dangerous", "procedural", msg)
}

do_message(s) := "runs an anonymous code block that builds SQL at run time (EXECUTE)" if {
	s.detail.dynamic_sql == true
} else := "runs an anonymous code block in a language Warden cannot read" if {
	s.detail.opaque == true
} else := "runs an anonymous procedural code block"

findings contains f if {
	some i, s in statements
	s.type == "create_function"
	not system_level(s)
	f := finding(i, s, "change", "function", "creates or replaces a function or procedure")
}

# ---- SET / RESET ----

findings contains object.union(f, {"message": concat("", [label(i, s), ": ", f.message])}) if {
	some i, s in statements
	catalog.type_groups.setting[s.type]
	f := setting_finding(s)
}
