// Test fixture (search-path*.test.ts): `profiles` is a harmless table in public and, in schema reporting, a view
// of vault.accounts.password renamed `motto`; with search_path = reporting, public the server reads the view.
export const SHADOWED_SECRET = 'hunter2-topsecret'

export const SHADOWING_VIEW_SQL = `SET ROLE warden;
    CREATE TABLE profiles (id int, motto text); INSERT INTO profiles VALUES (1, 'harmless');
    CREATE SCHEMA vault; CREATE TABLE vault.accounts (id int, password text); INSERT INTO vault.accounts VALUES (1, '${SHADOWED_SECRET}');
    CREATE SCHEMA reporting; CREATE VIEW reporting.profiles AS SELECT id, password AS motto FROM vault.accounts`
