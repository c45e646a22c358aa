// The digests of stored objects in the bodies of listings and metadata, dropped under masks as their headers are
// (mask-headers.ts): an S3 ETag is the MD5 of a plain upload, a Cloud Storage md5Hash and crc32c digest the object,
// so with one a guess at the whole text a mask hides (`ssn: 536-22-1234`) is checked offline. GET and HEAD of the
// object lost their ETag, while ListObjects, ListObjectVersions and GetObjectAttributes at moto, and the JSON and
// XML listings and object metadata at fake-gcs-server, still answered with the MD5 of the masked object.
import { parseJsonText, writeJsonText } from '../../engine/obligations/mask/json-numbers.ts'
import { keyedHash } from '../../engine/obligations/mask/strategy.ts'
import type { Command } from '../../engine/types.ts'
import { failed } from './mask-decoded.ts'

// S3's and Cloud Storage's XML digests: ETag and the checksums of an object or part (ChecksumCRC32 …).
const XML_DIGESTS = /<(ETag|Checksum(?:CRC32C?|CRC64NVME|SHA1|SHA256))>[^<]*<\/\1>/g
// A Cloud Storage object resource's digests, wherever they are (a `fields=items(md5Hash)` answer names no kind).
// Its etag is fake-gcs-server's MD5 (Google's stands for the generation): kept as a keyed hash of it, since gcloud
// storage cp refuses an object without one ('Source object resource is missing etag').
const DIGESTS = ['md5Hash', 'crc32c']

/**
 * Whether the answer to this read describes stored objects rather than being one's bytes: any S3 GET but
 * GetObject, and a Cloud Storage GET but an object's media (alt=media, /download/, or an XML API object).
 */
export function describesStoredObjects(command: Command): boolean {
  const { cloud, http } = command
  if (!cloud || !http || http.method !== 'GET') return false
  if (cloud.provider === 'aws') return cloud.service === 's3' && cloud.method !== 's3:GetObject'
  if (cloud.provider !== 'gcp' || cloud.service !== 'storage') return false
  if (cloud.method !== 'storage.objects.get') return true
  return http.path.startsWith('/storage/v1/') && !(http.query.alt ?? []).includes('media')
}

/** The body without stored-object digests (XML elements, JSON keys; an object's etag keyed-hashed with `key`), and how many were dropped. */
export function dropStoredDigests(body: Uint8Array, contentType: string, key: Uint8Array): { body: Uint8Array; dropped: number } {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase()
  const text = Buffer.from(body).toString('utf8')
  let dropped = 0
  if (type.endsWith('/xml') || type.endsWith('+xml')) {
    const out = text.replace(XML_DIGESTS, () => (dropped++, ''))
    return { body: dropped ? Buffer.from(out, 'utf8') : body, dropped }
  }
  if (type !== 'application/json') return { body, dropped }
  let parsed
  try {
    parsed = parseJsonText(text)
  } catch (err) {
    throw failed('its JSON could not be read again to drop the digests of stored objects', err)
  }
  const { doc, exact } = parsed
  const stack: unknown[] = [doc]
  while (stack.length) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    if (Array.isArray(v)) {
      stack.push(...v)
      continue
    }
    const o = v as Record<string, unknown>
    for (const k of DIGESTS) {
      if (!Object.hasOwn(o, k)) continue
      delete o[k]
      dropped++
    }
    if (o.kind === 'storage#object' && typeof o.etag === 'string') {
      o.etag = keyedHash(o.etag, key)
      dropped++
    }
    stack.push(...Object.values(o))
  }
  return { body: dropped ? Buffer.from(writeJsonText(doc, exact), 'utf8') : body, dropped }
}
