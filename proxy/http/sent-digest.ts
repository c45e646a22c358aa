// The digest headers of an answer are dropped under masks (mask-headers.ts): an ETag or checksum is a digest of the
// stored document, an oracle of what the mask hides. The answer to an S3 PutObject or UploadPart digests the bytes
// the agent itself sent, not anything stored before: the aws CLI needs each part's ETag to complete a multipart
// upload (`aws s3 cp` of a file over 8 MiB failed with 'ETag'), so it is kept there.
import { headerValues } from './headers.ts'
import type { CloudCommand } from '../../engine/types.ts'
import type { HeaderList } from './types.ts'

/**
 * An S3 PutObject or UploadPart as the normalizer named it (`command.cloud`), reading no other object (a copy source
 * in a header or the query digests its source) and appending to none (`x-amz-write-offset-bytes`, `?append`: the
 * answer digests the whole object), answered 2xx.
 */
export function digestsSentBytes(cloud: CloudCommand | undefined, requestHeaders: HeaderList, query: string, status: number): boolean {
  if (cloud?.provider !== 'aws' || cloud.service !== 's3' || (cloud.method !== 's3:PutObject' && cloud.method !== 's3:UploadPart')) return false
  if (cloud.sources?.length || cloud.source_error !== undefined) return false
  if (headerValues(requestHeaders, 'x-amz-write-offset-bytes').length || new URLSearchParams(query).has('append')) return false
  return status >= 200 && status < 300
}

/** Puts back the upstream's ETag and x-amz-checksum-* headers. */
export function keepDigestOfSent(out: Record<string, string | string[]>, upstream: Record<string, string | string[] | undefined>): void {
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && (name === 'etag' || name.startsWith('x-amz-checksum-'))) out[name] = value
  }
}
