// A request that does not arrive in time gets a 408 with a JSON reason (node sent a bare 408). Node checks the
// headers timeout only every connectionsCheckingInterval, so the server here is made with short ones.
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { answerClientErrors } from './client-error.ts'
import { gatewayError } from './node-server.ts'

test('a request whose headers stop arriving gets a 408 with a JSON reason, then the connection closes', async () => {
  const server = http.createServer({ headersTimeout: 300, requestTimeout: 400, connectionsCheckingInterval: 50 }, (_req, res) => res.end('handled'))
  answerClientErrors(server, gatewayError)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const text = await new Promise<string>((resolve) => {
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'))
      let out = ''
      socket.on('data', (d) => (out += d.toString('latin1')))
      socket.on('close', () => resolve(out))
      socket.on('error', () => undefined)
    })
    const end = text.indexOf('\r\n\r\n')
    assert.match(text.slice(0, end), /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.match(text.slice(0, end), /\r\ncontent-type: application\/json\r\n/)
    const body = JSON.parse(text.slice(end + 4))
    assert.is(body.error, 'http.request_timeout')
    assert.match(body.message, /did not arrive in time/)
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test.run()
