// A real webhook receiver on 127.0.0.1 for tests: answers each POST with the status `answer` gives for it (1, 2, …)
// and keeps what it got.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: IncomingMessage['headers']
  body: string
  status: number
}

export async function startReceiver(answer: (n: number) => number) {
  const got: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const status = answer(got.length + 1)
      got.push({ headers: req.headers, body, status })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(r)) }
}
