import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand } from '../../engine/types.ts'
import { listingRefusal, wholeSegmentsOnly } from './listing-filters.ts'

const detectors = [{ detector: 'email' }]
const s3 = { provider: 'aws', service: 's3', method: 's3:ListObjectsV2', operation: 'ListObjectsV2', resource: '', read_only: true } as CloudCommand
const gcs = { provider: 'gcp', service: 'storage', method: 'storage.objects.list', operation: 'list', resource: '', read_only: true } as CloudCommand

test('listingRefusal: whole folders pass; a prefix inside a name, another delimiter or a range is refused under detectors only', () => {
  for (const query of [{}, { prefix: [''] }, { prefix: ['a/b/'], delimiter: ['/'] }, { 'continuation-token': ['t'] }] as Array<Record<string, string[]>>) assert.is(listingRefusal(s3, '/b', query, detectors), undefined)
  for (const query of [{ prefix: ['a/b'] }, { delimiter: ['@'] }, { 'start-after': ['a'] }, { 'key-marker': ['a'] }] as Array<Record<string, string[]>>) assert.ok(listingRefusal(s3, '/b', query, detectors), JSON.stringify(query))
  assert.is(listingRefusal(s3, '/b', { prefix: ['a/b'] }, [{ path: 'x' }]), undefined)
  // gcloud's folder check: a JSON listing by `/` may end its prefix inside a name (its answer is cut to whole names).
  assert.is(listingRefusal(gcs, '/storage/v1/b/b/o', { prefix: ['dir'], delimiter: ['/'] }, detectors), undefined)
  assert.ok(listingRefusal(gcs, '/storage/v1/b/b/o', { prefix: ['dir'] }, detectors))
  assert.ok(listingRefusal(gcs, '/b', { prefix: ['dir'], delimiter: ['/'] }, detectors))
  assert.ok(listingRefusal(gcs, '/storage/v1/b/b/o', { startOffset: ['a'] }, detectors))
  // The answer is cut by the first prefix; an upstream reading the last would filter on the one inside a name.
  assert.ok(listingRefusal(gcs, '/storage/v1/b/b/o', { prefix: ['dir/', 'users/alice.p'], delimiter: ['/'] }, detectors))
  assert.ok(listingRefusal(gcs, '/storage/v1/b/b/o', { prefix: ['dir/'], delimiter: ['/', '/'] }, detectors))
})

test('wholeSegmentsOnly keeps the object named the prefix and the folder prefix/, and drops the page token', () => {
  const body = Buffer.from(JSON.stringify({ kind: 'storage#objects', items: [{ name: 'dir' }, { name: 'dir/' }, { name: 'dirt' }], prefixes: ['dir/', 'dirt/'], nextPageToken: 'dirz' }))
  assert.equal(JSON.parse(Buffer.from(wholeSegmentsOnly(body, 'dir')).toString()), { kind: 'storage#objects', items: [{ name: 'dir' }, { name: 'dir/' }], prefixes: ['dir/'] })
  assert.throws(() => wholeSegmentsOnly(Buffer.from('not json'), 'dir'))
})

test.run()
