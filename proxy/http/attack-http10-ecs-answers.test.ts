// Tenth HTTP round, ECS answers: a task's container overrides and a task definition's container environment are
// masked by path in the answers the catalog names (DescribeTasks, RunTask, DescribeTaskDefinition …), while StopTask
// and DeleteTaskDefinitions answer with the same objects, unmasked: an agent in staging, where those writes pass,
// read the values the reads hide. Against moto, as an agent under the default policy; the values have names no
// detector reads as secret.
import { execFile } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch } from 'undici'
import { startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoSignature, motoTarget } from './testing/moto-target.ts'

const OVERRIDE = 'ecs-override-val-Pelican-4'
const DEFINED = 'ecs-defined-val-Heron-7'
const ECS = 'AmazonEC2ContainerServiceV20141113'
let moto: StoragePeer
let g: TestGateway
let token = ''
let taskArn = ''

const motoEcs = (operation: string, body: unknown) => new Promise<string>((resolve, reject) => execFile('curl', ['-sS', '--cacert', moto.caFile,
  '-H', `authorization: ${motoSignature('ecs')}`, '-H', 'content-type: application/x-amz-json-1.1', '-H', `x-amz-target: ${ECS}.${operation}`,
  '--data-binary', JSON.stringify(body), `${moto.url}/`], (err, out) => (err ? reject(err) : resolve(out))))

const ecs = (operation: string, body: unknown) => fetch(`${g.reverse.url}/t/stage-ecs/`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${ECS}.${operation}` }, body: JSON.stringify(body),
})

test.before(async () => {
  moto = await startMoto()
  g = await startTestGateway(() => [motoTarget(moto, { name: 'stage-ecs', environment: 'staging', api_host: 'ecs.us-east-1.amazonaws.com', hosts: [] })], { env: HELD_AWS_ENV, holdSeconds: 0.5 })
  token = await g.agentToken()
  await motoEcs('CreateCluster', { clusterName: 'web' })
  for (const family of ['api', 'old']) {
    await motoEcs('RegisterTaskDefinition', { family, containerDefinitions: [{ name: 'api', image: 'nginx', memory: 128, environment: [{ name: 'UPSTREAM', value: DEFINED }] }] })
  }
  const run = JSON.parse(await motoEcs('RunTask', {
    cluster: 'web', taskDefinition: 'api', launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    overrides: { containerOverrides: [{ name: 'api', environment: [{ name: 'UPSTREAM', value: OVERRIDE }] }] },
  }))
  taskArn = run.tasks[0].taskArn
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
})

test('control: DescribeTasks masks the override, and moto answers StopTask and DeleteTaskDefinitions with the values', async () => {
  const res = await ecs('DescribeTasks', { cluster: 'web', tasks: [taskArn] })
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.not.match(body, OVERRIDE)
  assert.match(body, 'UPSTREAM')
})

test('StopTask and DeleteTaskDefinitions answer without the environment values the reads mask; names and the rest readable', async () => {
  const stop = await ecs('StopTask', { cluster: 'web', task: taskArn, reason: 'done' })
  const stopped = await stop.text()
  assert.is(stop.status, 200, stopped.slice(0, 300))
  assert.not.match(stopped, OVERRIDE, stopped)
  assert.equal(JSON.parse(stopped).task.overrides.containerOverrides[0].environment, [{ name: 'UPSTREAM', value: '[redacted]' }])
  const del = await ecs('DeleteTaskDefinitions', { taskDefinitions: ['old:1'] })
  const deleted = await del.text()
  assert.not.match(deleted, DEFINED, deleted)
  assert.ok(del.status === 200 || del.status === 403, deleted.slice(0, 300))
})

test.run()
