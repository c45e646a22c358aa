// Sample data for the test cluster: fake people with Luhn-valid test card numbers, and their orders.
export const SEED_SQL = `
CREATE TABLE users (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  phone varchar(32),
  card_number text,
  plan text NOT NULL DEFAULT 'free'
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id int NOT NULL REFERENCES users(id),
  amount_cents int NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT '2026-01-15 10:00:00+00'
);
INSERT INTO users (name, email, phone, card_number, plan) VALUES
  ('Ada Lovelace', 'ada@example.com', '+44 20 7946 0958', '4242 4242 4242 4242', 'pro'),
  ('Grace Hopper', 'grace@example.com', '+1 202-555-0142', '5555 5555 5555 4444', 'team'),
  ('Alan Turing', 'alan@example.org', '+44 161 496 0735', '4000 0566 5566 5556', 'free'),
  ('Katherine Johnson', 'kj@example.net', '+1 757-555-0199', '3782 822463 10005', 'pro'),
  ('Edsger Dijkstra', 'ewd@example.nl', '+31 20 794 0123', '6011 1111 1111 1117', 'free');
INSERT INTO orders (user_id, amount_cents, status) VALUES
  (1, 1299, 'paid'), (1, 4500, 'refunded'), (2, 990, 'paid'), (3, 25000, 'pending'), (5, 120, 'paid');
`
