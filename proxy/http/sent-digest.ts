// The digest headers of an answer are dropped under masks (mask-headers.ts): an ETag or checksum is a digest of the
// stored document, an oracle of what the mask hides. The answer to an S3 PutObject or UploadPart digests the bytes
// the agent itself sent, not anything stored before: the aws CLI needs each part's ETag to complete a multipart
// upload (`aws s3 cp` of a file over 8 MiB failed with 'ETag'), so it is kept there.
import { headerValues } from './headers.ts'
import type { HeaderList } from './types.ts'

/** An S3 PUT of a body (not a copy: x-amz-copy-source digests the source) answered 2xx. */
export function digestsSentBytes(service: string | undefined, method: string, requestHeaders: HeaderList, status: number): boolean {
  return service === 's3' && method === 'PUT' && status >= 200 && status < 300 && headerValues(requestHeaders, 'x-amz-copy-source').length === 0
}

/** Puts back the upstream's ETag and x-amz-checksum-* headers. */
export function keepDigestOfSent(out: Record<string, string | string[]>, upstream: Record<string, string | string[] | undefined>): void {
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && (name === 'etag' || name.startsWith('x-amz-checksum-'))) out[name] = value
  }
}
