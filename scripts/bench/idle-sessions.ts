// Opens N sessions through a PostgreSQL gateway and keeps them idle until stdin closes; prints `ready` once all
// are open. Run as a child of the benchmark, so the sessions' client side does not count in the gateway's RSS.
// Usage: node --import tsx scripts/bench/idle-sessions.ts PORT USER COUNT (passwords, taken in turn, in PGPASSWORDS,
// space-separated; else PGPASSWORD)
import pg from 'pg'

const [port, user, count] = process.argv.slice(2)
const passwords = (process.env.PGPASSWORDS ?? process.env.PGPASSWORD ?? '').split(' ')
const clients: pg.Client[] = []
try {
  // A few at a time: every gateway session opens its own upstream connection.
  for (let i = 0; i < Number(count); i += 10) {
    const batch = Array.from({ length: Math.min(10, Number(count) - i) }, (_, j) => new pg.Client({
      host: '127.0.0.1', port: Number(port), user, password: passwords[(i + j) % passwords.length], database: 'app', ssl: false,
    }))
    await Promise.all(batch.map((c) => c.connect()))
    clients.push(...batch)
  }
  // Each session has judged and run one statement, as a pooled connection would have.
  await Promise.all(clients.map((c) => c.query('SELECT 1')))
  process.stdout.write('ready\n')
  process.stdin.resume()
  await new Promise((resolve) => process.stdin.on('end', resolve))
} finally {
  await Promise.allSettled(clients.map((c) => c.end()))
}
