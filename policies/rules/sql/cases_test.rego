# Shared helpers for the table-driven SQL tests: each case is {note, statements, effect, rules?,
# identity?, target?}; `rules` must each be the rule of some reason. The note is printed so a failing
# run shows which case broke. Decisions are taken in the test rules themselves: a function that uses
# `with` makes `opa build -t wasm` fail ("used as reference, not called") when tests are built too.
package warden.sql_test

import data.warden.inputs_test as t

doc_of(c) := t.sql(object.get(c, "identity", t.agent), object.get(c, "target", t.prod_db), c.statements)

matches(c, d) if {
	print(c.note, "=>", d.effect, [r.rule | some r in d.reasons])
	d.effect == c.effect
	every rule in object.get(c, "rules", []) {
		some r in d.reasons
		r.rule == rule
	}
}

s(type) := t.stmt(type, {})

w(type, table) := t.stmt(type, {"tables": [t.table(table, "write")]})

where(type, table) := t.stmt(type, {"tables": [t.table(table, "write")], "has_where": true})

calls(f) := t.stmt("select", {"read_only": true, "functions": [f]})

nested(stmt, via, parent) := object.union(stmt, {"nested": {"via": via, "parent_index": parent}})
