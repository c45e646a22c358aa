// A real webhook receiver on 127.0.0.1 for tests: answers each POST with the status `answer` gives for it (1, 2, …),
// and the headers too when it gives them (a redirect's location), once that answer settles, and keeps what it got.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: IncomingMessage['headers']
  body: string
  status: number
}

type Answer = number | { status: number; headers: Record<string, string> }

export async function startReceiver(answer: (n: number) => Answer | Promise<Answer>) {
  const got: Received[] = []
  let arrived = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', async () => {
      arrived++
      const given = await answer(arrived)
      const { status, headers } = typeof given === 'number' ? { status: given, headers: {} } : given
      got.push({ headers: req.headers, body, status })
      res.writeHead(status, headers).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(r)) }
}
