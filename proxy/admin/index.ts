// The admin HTTP API: approvals review over JSON, a web-standard handler plus its node:http server.
export { createAdminHandler, type AdminHandler, type AdminHandlerOptions } from './handler.ts'
export { serveAdmin, AdminServerError, type AdminServer, type FetchHandler } from './node-server.ts'
export { createAdminClient, AdminClientError, type AdminClient } from './client.ts'
