// Extra seed for the leak tests: two tables whose sensitive values are distinctive enough that any fragment
// of them found in what a client receives is a leak (the `users` seed reuses digit groups, so only whole hidden
// parts of its values can be searched for), a view created by the superuser that renames the sensitive columns
// of `users`, and one over `customers`. Applied by the tests that need it (cluster.query runs as the superuser),
// before the first gateway session, so the gateway's catalog warm-up sees these tables.
import type { SeededSecret } from './leak-check.ts'

export const LEAK_SEED_SQL = `
SET ROLE warden;
CREATE TABLE customers (
  id int PRIMARY KEY,
  display_name text NOT NULL,
  email text NOT NULL,
  phone text,
  card_number text,
  ssn text,
  tier text NOT NULL
);
CREATE TABLE credentials (
  id int PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers(id),
  label text NOT NULL,
  api_key text NOT NULL,
  access_token text NOT NULL,
  client_secret text NOT NULL,
  password text NOT NULL
);
INSERT INTO customers VALUES
  (1, 'Customer One', 'marlowe.quintrell@vexholm.test', '+1 (415) 867-2931', '4916 3827 1052 2746', '536-22-8147', 'gold'),
  (2, 'Customer Two', 'odalys.fenwright@brackenmoor.io', '+49 30 9174 6628', '5371 9402 6683 1582', '412-73-9065', 'silver'),
  (3, 'Customer Three', 'tiberius.okonkwo@quarrytide.dev', '+61 2 8374 1956', '3718 492605 73911', '289-61-4730', 'bronze');
INSERT INTO credentials VALUES
  (1, 1, 'ci deploy', 'wk_live_Q7vZ3xTb9LmP2sRn4Jd', 'tok_8HqW2eYc5KdJ7uFaZr', 'cs_Xp4Rm9Tz6Vb1Nq3Lw', 'Marzipan-Quokka-5113'),
  (2, 2, 'analytics', 'wk_live_Hc6Ny2Pq8Wd4Ks1Tg7', 'tok_Mv3Zr7Lx1Qe9Bn5Yp', 'cs_Ga8Dk2Fv6Js4Hw9Pm', 'Tangerine!Vortex#7782'),
  (3, 3, 'backup', 'wk_live_Ue5Bt8Kf3Ra6Zm2Vc9', 'tok_Dn4Gs9Cw2Yh6Tj8Qk', 'cs_Lz7Pb3Ne5Xr8Mf2Hd', 'Obsidian~Pelican~0347');
RESET ROLE;
CREATE VIEW user_directory AS SELECT id, name, email AS contact, phone AS reach, card_number AS pan, plan FROM users;
CREATE VIEW customer_directory AS
  SELECT c.id, c.display_name AS who, c.email AS handle, c.ssn AS tax_ref, k.api_key AS credential, k.password AS passphrase
  FROM customers c JOIN credentials k ON k.customer_id = c.id;
GRANT SELECT ON user_directory, customer_directory TO warden;
`

/** Every sensitive value seeded in the test cluster, with the strategy the default policy masks it by. */
export const SEEDED_SECRETS: SeededSecret[] = [
  ...[
    ['users.email', 'ada@example.com'], ['users.email', 'grace@example.com'], ['users.email', 'alan@example.org'],
    ['users.email', 'kj@example.net'], ['users.email', 'ewd@example.nl'],
    ['users.phone', '+44 20 7946 0958'], ['users.phone', '+1 202-555-0142'], ['users.phone', '+44 161 496 0735'],
    ['users.phone', '+1 757-555-0199'], ['users.phone', '+31 20 794 0123'],
    ['users.card_number', '4242 4242 4242 4242'], ['users.card_number', '5555 5555 5555 4444'],
    ['users.card_number', '4000 0566 5566 5556'], ['users.card_number', '3782 822463 10005'],
    ['users.card_number', '6011 1111 1111 1117'],
  ].map(([column, value]) => ({ column: column!, value: value!, strategy: 'partial' as const, distinctive: false })),
  ...[
    ['customers.email', 'marlowe.quintrell@vexholm.test'], ['customers.email', 'odalys.fenwright@brackenmoor.io'],
    ['customers.email', 'tiberius.okonkwo@quarrytide.dev'],
    ['customers.phone', '+1 (415) 867-2931'], ['customers.phone', '+49 30 9174 6628'], ['customers.phone', '+61 2 8374 1956'],
    ['customers.card_number', '4916 3827 1052 2746'], ['customers.card_number', '5371 9402 6683 1582'],
    ['customers.card_number', '3718 492605 73911'],
  ].map(([column, value]) => ({ column: column!, value: value!, strategy: 'partial' as const, distinctive: true })),
  ...[
    ['customers.ssn', '536-22-8147'], ['customers.ssn', '412-73-9065'], ['customers.ssn', '289-61-4730'],
    ['credentials.api_key', 'wk_live_Q7vZ3xTb9LmP2sRn4Jd'], ['credentials.api_key', 'wk_live_Hc6Ny2Pq8Wd4Ks1Tg7'],
    ['credentials.api_key', 'wk_live_Ue5Bt8Kf3Ra6Zm2Vc9'],
    ['credentials.access_token', 'tok_8HqW2eYc5KdJ7uFaZr'], ['credentials.access_token', 'tok_Mv3Zr7Lx1Qe9Bn5Yp'],
    ['credentials.access_token', 'tok_Dn4Gs9Cw2Yh6Tj8Qk'],
    ['credentials.client_secret', 'cs_Xp4Rm9Tz6Vb1Nq3Lw'], ['credentials.client_secret', 'cs_Ga8Dk2Fv6Js4Hw9Pm'],
    ['credentials.client_secret', 'cs_Lz7Pb3Ne5Xr8Mf2Hd'],
    ['credentials.password', 'Marzipan-Quokka-5113'], ['credentials.password', 'Tangerine!Vortex#7782'],
    ['credentials.password', 'Obsidian~Pelican~0347'],
  ].map(([column, value]) => ({ column: column!, value: value!, strategy: 'redact' as const, distinctive: true })),
]

/**
 * Secrets stored under sensitive names inside harmless columns: a jsonb `prefs` and a json `settings` holding
 * keys named like sensitive columns (a nested one too), and a column of a composite type whose fields are. Applied
 * after LEAK_SEED_SQL by the tests that need it; its values are in JSON_SECRETS, not SEEDED_SECRETS.
 */
export const JSON_SEED_SQL = `
SET ROLE warden;
CREATE TYPE vault_entry AS (label text, secret text, password text);
CREATE TABLE profiles (
  id int PRIMARY KEY,
  k text NOT NULL,
  prefs jsonb NOT NULL,
  settings json NOT NULL,
  vault vault_entry NOT NULL
);
INSERT INTO profiles VALUES
  (1, 'api_key', '{"theme": "dark", "api_key": "wk_live_Jz5Rt8Np2Lq6Xv3Bd", "db": {"host": "db-one", "password": "Heliotrope^Walrus^4471"}}',
   '{"lang": "en", "password": "Cobalt@Narwhal@9025"}', ROW('ops', 'Saffron*Ibex*6358', 'Juniper%Gecko%2284')),
  (2, 'theme', '{"theme": "light", "api_key": "wk_live_Fy8Cw3Mh6Tb1Gs9Kx", "db": {"host": "db-two", "password": "Tamarind&Osprey&8836"}}',
   '{"lang": "de", "password": "Vermilion=Marmot=1597"}', ROW('dev', 'Cardamom+Tapir+7402', 'Hazelnut$Dingo$6619'));
RESET ROLE;
`

export const JSON_SECRETS: SeededSecret[] = [
  ['profiles.prefs.api_key', 'wk_live_Jz5Rt8Np2Lq6Xv3Bd'], ['profiles.prefs.api_key', 'wk_live_Fy8Cw3Mh6Tb1Gs9Kx'],
  ['profiles.prefs.db.password', 'Heliotrope^Walrus^4471'], ['profiles.prefs.db.password', 'Tamarind&Osprey&8836'],
  ['profiles.settings.password', 'Cobalt@Narwhal@9025'], ['profiles.settings.password', 'Vermilion=Marmot=1597'],
  ['profiles.vault.secret', 'Saffron*Ibex*6358'], ['profiles.vault.secret', 'Cardamom+Tapir+7402'],
  ['profiles.vault.password', 'Juniper%Gecko%2284'], ['profiles.vault.password', 'Hazelnut$Dingo$6619'],
].map(([column, value]) => ({ column: column!, value: value!, strategy: 'redact' as const, distinctive: true }))
