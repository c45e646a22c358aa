import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand, MaskObligation } from '../../engine/types.ts'
import { labelFilterRefusal } from './gcp-label-filters.ts'

const KEY = new Uint8Array(32).fill(7)
const detectors: MaskObligation[] = [{ detector: 'all' }]
const list: CloudCommand = { provider: 'gcp', service: 'secretmanager', method: 'secretmanager.secrets.list', operation: 'list', resource: 'projects/p', read_only: true }
const refused = (filter: string, masks = detectors, cloud = list) => labelFilterRefusal(cloud, { filter: [filter] }, undefined, masks, KEY)?.message

test('a filter naming a label the masks hide is refused, however it compares or spells it', () => {
  assert.match(refused('labels.api_token:hunt*')!, 'label api_token')
  assert.match(refused('name eq web AND labels.db_password eq hunt.*')!, 'db_password')
  assert.match(refused('settings.userLabels.db_password = "x"')!, 'db_password')
  assert.match(refused('LABELS . "client-secret" = x')!, 'client-secret')
  assert.match(labelFilterRefusal(list, {}, { filter: 'labels.token=x' }, detectors, KEY)!.message, 'token')
  assert.is(labelFilterRefusal(list, { query: ['labels.token:x'] }, undefined, detectors, KEY)?.code, 'http.filter_refused')
})

test('labels the masks leave readable pass; no masks, and Cloud Logging (judged by the policy), are not read', () => {
  for (const f of ['labels.env=prod', 'labels.team:payments AND name:web', 'status = RUNNING', 'labels:api_token']) assert.is(refused(f), undefined, f)
  assert.is(refused('labels.api_token:hunt*', []), undefined)
  assert.is(refused('labels.api_token:hunt*', detectors, { ...list, method: 'logging.entries.list' }), undefined)
})

test.run()
