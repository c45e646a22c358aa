// Sample data for the embedded demo database: customers with personal data worth masking, and their orders.
// Card numbers are the public test numbers of the card networks (Luhn-valid, never real accounts); phone
// numbers use the fictional 555-01xx range; emails use example domains.

export interface DemoUser {
  name: string
  email: string
  phone: string
  card_number: string
  plan: 'free' | 'pro' | 'team' | 'enterprise'
}

export const DEMO_USERS: readonly DemoUser[] = [
  { name: 'Ada Lovelace', email: 'ada.lovelace@example.com', phone: '+1 415 555 0101', card_number: '4242 4242 4242 4242', plan: 'enterprise' },
  { name: 'Grace Hopper', email: 'grace.hopper@example.com', phone: '+1 415 555 0102', card_number: '5555 5555 5555 4444', plan: 'team' },
  { name: 'Alan Turing', email: 'alan.turing@example.org', phone: '+44 20 7946 0103', card_number: '3782 822463 10005', plan: 'pro' },
  { name: 'Katherine Johnson', email: 'k.johnson@example.com', phone: '+1 757 555 0104', card_number: '6011 1111 1111 1117', plan: 'enterprise' },
  { name: 'Edsger Dijkstra', email: 'edsger@example.net', phone: '+31 20 555 0105', card_number: '4000 0566 5566 5556', plan: 'free' },
  { name: 'Barbara Liskov', email: 'barbara.liskov@example.com', phone: '+1 617 555 0106', card_number: '5200 8282 8282 8210', plan: 'team' },
  { name: 'Donald Knuth', email: 'don.knuth@example.org', phone: '+1 650 555 0107', card_number: '3714 496353 98431', plan: 'pro' },
  { name: 'Margaret Hamilton', email: 'margaret.h@example.com', phone: '+1 617 555 0108', card_number: '2223 0031 2200 3222', plan: 'enterprise' },
  { name: 'Linus Torvalds', email: 'linus@example.net', phone: '+1 503 555 0109', card_number: '5105 1051 0510 5100', plan: 'free' },
  { name: 'Radia Perlman', email: 'radia.perlman@example.com', phone: '+1 508 555 0110', card_number: '6011 0009 9013 9424', plan: 'pro' },
  { name: 'Ken Thompson', email: 'ken.thompson@example.org', phone: '+1 908 555 0111', card_number: '3566 0020 2036 0505', plan: 'team' },
  { name: 'Frances Allen', email: 'fran.allen@example.com', phone: '+1 914 555 0112', card_number: '4000 0025 0000 3155', plan: 'pro' },
  { name: 'Dennis Ritchie', email: 'dmr@example.net', phone: '+1 908 555 0113', card_number: '3056 9300 0902 0004', plan: 'free' },
  { name: 'Shafi Goldwasser', email: 'shafi.g@example.com', phone: '+1 617 555 0114', card_number: '6200 0000 0000 0005', plan: 'enterprise' },
  { name: 'Tim Berners-Lee', email: 'timbl@example.org', phone: '+44 20 7946 0115', card_number: '4000 0000 0000 3220', plan: 'team' },
  { name: 'Hedy Lamarr', email: 'hedy.lamarr@example.com', phone: '+1 310 555 0116', card_number: '5454 5454 5454 5454', plan: 'free' },
  { name: 'John McCarthy', email: 'jmc@example.net', phone: '+1 650 555 0117', card_number: '4111 1111 1111 1111', plan: 'pro' },
  { name: 'Annie Easley', email: 'annie.easley@example.com', phone: '+1 216 555 0118', card_number: '4012 8888 8888 1881', plan: 'team' },
  { name: 'Leslie Lamport', email: 'lamport@example.org', phone: '+1 650 555 0119', card_number: '5425 2334 3010 9903', plan: 'enterprise' },
  { name: 'Sophie Wilson', email: 'sophie.wilson@example.com', phone: '+44 1223 555 0120', card_number: '2222 4200 0000 1113', plan: 'pro' },
]

export type OrderStatus = 'paid' | 'refunded' | 'pending' | 'failed'

const STATUSES: readonly OrderStatus[] = ['paid', 'paid', 'paid', 'refunded', 'pending', 'failed']

export interface DemoOrder {
  user_id: number
  amount_cents: number
  status: OrderStatus
  created_at: string
}

/** Two to four orders per user, deterministic so demos and tests see the same rows every start. */
export function demoOrders(userCount: number): DemoOrder[] {
  const orders: DemoOrder[] = []
  const base = Date.UTC(2025, 0, 6, 9, 0, 0)
  for (let user = 1; user <= userCount; user++) {
    const count = 2 + (user % 3)
    for (let n = 0; n < count; n++) {
      const seq = orders.length
      orders.push({
        user_id: user,
        amount_cents: 499 + ((user * 7919 + n * 104729) % 49500),
        status: STATUSES[(user + n) % STATUSES.length] as OrderStatus,
        created_at: new Date(base + seq * 37 * 3_600_000).toISOString(),
      })
    }
  }
  return orders
}

/** The demo tables, one statement each (PGlite's query runs one statement at a time). */
export const DEMO_SCHEMA: readonly string[] = [
  `CREATE TABLE users (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  phone text,
  card_number text,
  plan text NOT NULL DEFAULT 'free'
)`,
  `CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id),
  amount_cents integer NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL
)`,
]

/** What seeding needs from a connection: PGlite (or one of its transactions) and a `pg` client both fit. */
export interface DemoSql {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>
}

/** True when the demo tables exist (seeded before, perhaps changed since: never re-seeded). */
export async function demoSeeded(db: DemoSql): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regclass('public.users') IS NOT NULL AS present`)
  return (rows[0] as { present?: boolean } | undefined)?.present === true
}

/** Creates and fills users and orders; the caller runs it inside one transaction. */
export async function seedDemoTables(db: DemoSql): Promise<void> {
  for (const statement of DEMO_SCHEMA) await db.query(statement)
  for (const u of DEMO_USERS) {
    await db.query('INSERT INTO users (name, email, phone, card_number, plan) VALUES ($1, $2, $3, $4, $5)', [u.name, u.email, u.phone, u.card_number, u.plan])
  }
  for (const o of demoOrders(DEMO_USERS.length)) {
    await db.query('INSERT INTO orders (user_id, amount_cents, status, created_at) VALUES ($1, $2, $3, $4)', [o.user_id, o.amount_cents, o.status, o.created_at])
  }
}
