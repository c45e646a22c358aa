// Test support: malformed requests every HTTP-based normalizer must survive without throwing.
import type { RawHttpRequest } from './http.ts'

export const garbageRequests = [
  { method: '', url: '' },
  { method: 'GET', url: '::::' },
  { method: 'GET', url: 'http://' },
  { method: 'POST', url: '%', headers: { host: '%zz', 'x-amz-target': '.', authorization: 'Credential=/' }, body: '%%%' },
  { method: 'PUT', url: '/?Action=&Action=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new Uint8Array([0xff]) },
  { method: 5, url: null, headers: { n: 1 }, body: {} },
] as unknown as RawHttpRequest[]
