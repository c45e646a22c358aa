import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CloudCommand } from '../../types.ts'
import { gcpApiName } from './gcp-services.ts'
import { normalizeGcp } from './index.ts'
import { garbageRequests } from '../garbage-requests.ts'

type Want = Omit<CloudCommand, 'provider' | 'service'> & { service?: string }

const C = 'https://compute.googleapis.com/compute/v1/projects/p'
const SQL = 'https://sqladmin.googleapis.com'
const GKE = 'https://container.googleapis.com/v1/projects/p'
const GCF = 'https://cloudfunctions.googleapis.com'
const IAM = 'https://iam.googleapis.com/v1'
const CRM = 'https://cloudresourcemanager.googleapis.com'
const SM = 'https://secretmanager.googleapis.com/v1/projects/p'
const GCS = 'https://storage.googleapis.com'

const cases: Array<[string, string, Want]> = [
  // compute
  ['GET', `${C}/zones/us-central1-a/instances`, { method: 'compute.instances.list', operation: 'list', resource: 'projects/p/zones/us-central1-a/instances', region: 'us-central1-a', read_only: true }],
  ['GET', `${C}/zones/us-central1-a/instances/vm-1`, { method: 'compute.instances.get', operation: 'get', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: true }],
  ['POST', `${C}/zones/us-central1-a/instances`, { method: 'compute.instances.create', operation: 'create', resource: 'projects/p/zones/us-central1-a/instances', region: 'us-central1-a', read_only: false }],
  ['DELETE', `${C}/zones/us-central1-a/instances/vm-1`, { method: 'compute.instances.delete', operation: 'delete', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: false }],
  ['POST', `${C}/zones/us-central1-a/instances/vm-1/stop`, { method: 'compute.instances.stop', operation: 'stop', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: false }],
  ['POST', `${C}/zones/us-central1-a/instances/vm-1/setMetadata`, { method: 'compute.instances.setMetadata', operation: 'setMetadata', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: false }],
  ['GET', `${C}/zones/us-central1-a/instances/vm-1/getIamPolicy`, { method: 'compute.instances.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: true }],
  ['POST', `${C}/zones/us-central1-a/instances/vm-1/setIamPolicy`, { method: 'compute.instances.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/p/zones/us-central1-a/instances/vm-1', region: 'us-central1-a', read_only: false }],
  ['GET', `${C}/aggregated/instances`, { method: 'compute.instances.list', operation: 'list', resource: 'projects/p/aggregated/instances', read_only: true }],
  ['PATCH', `${C}/global/firewalls/allow-ssh`, { method: 'compute.firewalls.update', operation: 'patch', resource: 'projects/p/global/firewalls/allow-ssh', read_only: false }],
  // getSerialPortOutput and getScreenshot are GETs of `serialPort` and `screenshot`: reads, by their method names.
  ['GET', 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/web-1/serialPort?port=1', { method: 'compute.instances.getSerialPortOutput', operation: 'getSerialPortOutput', resource: 'projects/p/zones/us-central1-a/instances/web-1', region: 'us-central1-a', read_only: true }],
  ['GET', 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/web-1/screenshot', { method: 'compute.instances.getScreenshot', operation: 'getScreenshot', resource: 'projects/p/zones/us-central1-a/instances/web-1', region: 'us-central1-a', read_only: true }],
  ['POST', 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/web-1/serialPort', { method: 'compute.instances.serialPort', operation: 'serialPort', resource: 'projects/p/zones/us-central1-a/instances/web-1', region: 'us-central1-a', read_only: false }],
  ['GET', 'https://compute.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/debian-12', { method: 'compute.images.getFromFamily', operation: 'getFromFamily', resource: 'projects/debian-cloud/global/images/family/debian-12', read_only: true }],
  ['POST', `${C}/setCommonInstanceMetadata`, { method: 'compute.projects.setCommonInstanceMetadata', operation: 'setCommonInstanceMetadata', resource: 'projects/p', read_only: false }],
  ['GET', 'https://www.googleapis.com/compute/v1/projects/p/regions/europe-west1/subnetworks', { service: 'compute', method: 'compute.subnetworks.list', operation: 'list', resource: 'projects/p/regions/europe-west1/subnetworks', region: 'europe-west1', read_only: true }],
  // Cloud SQL, both API paths
  ['GET', `${SQL}/v1/projects/p/instances/db-1`, { service: 'sqladmin', method: 'cloudsql.instances.get', operation: 'get', resource: 'projects/p/instances/db-1', read_only: true }],
  ['DELETE', `${SQL}/sql/v1beta4/projects/p/instances/db-1`, { service: 'sqladmin', method: 'cloudsql.instances.delete', operation: 'delete', resource: 'projects/p/instances/db-1', read_only: false }],
  ['POST', `${SQL}/sql/v1beta4/projects/p/instances/db-1/export`, { service: 'sqladmin', method: 'cloudsql.instances.export', operation: 'export', resource: 'projects/p/instances/db-1', read_only: false }],
  ['POST', `${SQL}/v1/projects/p/instances/db-1/databases`, { service: 'sqladmin', method: 'cloudsql.databases.create', operation: 'create', resource: 'projects/p/instances/db-1/databases', read_only: false }],
  ['GET', `${SQL}/sql/v1beta4/projects/p/instances/db-1/listServerCas`, { service: 'sqladmin', method: 'cloudsql.instances.listServerCas', operation: 'listServerCas', resource: 'projects/p/instances/db-1', read_only: true }],
  // GKE
  ['DELETE', `${GKE}/locations/europe-west1/clusters/prod`, { method: 'container.clusters.delete', operation: 'delete', resource: 'projects/p/locations/europe-west1/clusters/prod', region: 'europe-west1', read_only: false }],
  ['GET', `${GKE}/locations/-/clusters`, { method: 'container.clusters.list', operation: 'list', resource: 'projects/p/locations/-/clusters', region: '-', read_only: true }],
  ['POST', `${GKE}/zones/us-central1-a/clusters/prod/nodePools`, { method: 'container.nodePools.create', operation: 'create', resource: 'projects/p/zones/us-central1-a/clusters/prod/nodePools', region: 'us-central1-a', read_only: false }],
  ['POST', `${GKE}/locations/europe-west1/clusters/prod:setMasterAuth`, { method: 'container.clusters.setMasterAuth', operation: 'setMasterAuth', resource: 'projects/p/locations/europe-west1/clusters/prod', region: 'europe-west1', read_only: false }],
  // Cloud Functions
  ['POST', `${GCF}/v2/projects/p/locations/us-central1/functions?functionId=resize`, { method: 'cloudfunctions.functions.create', operation: 'create', resource: 'projects/p/locations/us-central1/functions/resize', region: 'us-central1', read_only: false }],
  ['POST', `${GCF}/v1/projects/p/locations/us-central1/functions`, { method: 'cloudfunctions.functions.create', operation: 'create', resource: 'projects/p/locations/us-central1/functions', region: 'us-central1', read_only: false }],
  ['PATCH', `${GCF}/v2/projects/p/locations/us-central1/functions/resize?updateMask=buildConfig`, { method: 'cloudfunctions.functions.update', operation: 'patch', resource: 'projects/p/locations/us-central1/functions/resize', region: 'us-central1', read_only: false }],
  ['POST', `${GCF}/v1/projects/p/locations/us-central1/functions/resize:call`, { method: 'cloudfunctions.functions.call', operation: 'call', resource: 'projects/p/locations/us-central1/functions/resize', region: 'us-central1', read_only: false }],
  ['POST', `${GCF}/v2/projects/p/locations/us-central1/functions:generateUploadUrl`, { method: 'cloudfunctions.functions.generateUploadUrl', operation: 'generateUploadUrl', resource: 'projects/p/locations/us-central1/functions', region: 'us-central1', read_only: false }],
  ['POST', `${GCF}/v1/projects/p/locations/us-central1/functions/resize:getIamPolicy`, { method: 'cloudfunctions.functions.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/p/locations/us-central1/functions/resize', region: 'us-central1', read_only: true }],
  // IAM and credentials
  ['POST', `${IAM}/projects/p/serviceAccounts`, { method: 'iam.serviceAccounts.create', operation: 'create', resource: 'projects/p/serviceAccounts', read_only: false }],
  ['POST', `${IAM}/projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys`, { method: 'iam.serviceAccountKeys.create', operation: 'create', resource: 'projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys', read_only: false }],
  ['DELETE', `${IAM}/projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/k1`, { method: 'iam.serviceAccountKeys.delete', operation: 'delete', resource: 'projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/k1', read_only: false }],
  ['POST', `${IAM}/projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com:setIamPolicy`, { method: 'iam.serviceAccounts.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com', read_only: false }],
  ['PATCH', `${IAM}/projects/p/roles/deployer`, { method: 'iam.roles.update', operation: 'patch', resource: 'projects/p/roles/deployer', read_only: false }],
  ['GET', `${IAM}/roles`, { method: 'iam.roles.list', operation: 'list', resource: 'roles', read_only: true }],
  ['POST', 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com:generateAccessToken', { service: 'iamcredentials', method: 'iam.serviceAccounts.getAccessToken', operation: 'generateAccessToken', resource: 'projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com', read_only: false }],
  // Resource Manager
  ['POST', `${CRM}/v1/projects/p:setIamPolicy`, { service: 'cloudresourcemanager', method: 'resourcemanager.projects.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/p', read_only: false }],
  ['POST', `${CRM}/v1/projects/p:getIamPolicy`, { service: 'cloudresourcemanager', method: 'resourcemanager.projects.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/p', read_only: true }],
  ['POST', `${CRM}/v3/projects/p:testIamPermissions`, { service: 'cloudresourcemanager', method: 'resourcemanager.projects.testIamPermissions', operation: 'testIamPermissions', resource: 'projects/p', read_only: true }],
  ['DELETE', `${CRM}/v3/projects/p`, { service: 'cloudresourcemanager', method: 'resourcemanager.projects.delete', operation: 'delete', resource: 'projects/p', read_only: false }],
  ['POST', `${CRM}/v3/folders/123:setIamPolicy`, { service: 'cloudresourcemanager', method: 'resourcemanager.folders.setIamPolicy', operation: 'setIamPolicy', resource: 'folders/123', read_only: false }],
  // Secret Manager
  ['GET', `${SM}/secrets/db-password/versions/latest:access`, { method: 'secretmanager.versions.access', operation: 'access', resource: 'projects/p/secrets/db-password/versions/latest', read_only: true }],
  ['GET', `${SM}/secrets`, { method: 'secretmanager.secrets.list', operation: 'list', resource: 'projects/p/secrets', read_only: true }],
  ['POST', `${SM}/secrets?secretId=api-key`, { method: 'secretmanager.secrets.create', operation: 'create', resource: 'projects/p/secrets/api-key', read_only: false }],
  ['POST', `${SM}/secrets/db-password:addVersion`, { method: 'secretmanager.secrets.addVersion', operation: 'addVersion', resource: 'projects/p/secrets/db-password', read_only: false }],
  // gcloud logging read / logs list / logs delete.
  ['POST', 'https://logging.googleapis.com/v2/entries:list', { method: 'logging.entries.list', operation: 'list', resource: 'entries', read_only: true }],
  ['GET', 'https://logging.googleapis.com/v2/projects/p/logs', { method: 'logging.logs.list', operation: 'list', resource: 'projects/p/logs', read_only: true }],
  ['DELETE', 'https://logging.googleapis.com/v2/projects/p/logs/syslog', { method: 'logging.logs.delete', operation: 'delete', resource: 'projects/p/logs/syslog', read_only: false }],
  ['POST', `${SM}/secrets/db-password/versions/3:destroy`, { method: 'secretmanager.versions.destroy', operation: 'destroy', resource: 'projects/p/secrets/db-password/versions/3', read_only: false }],
  ['GET', 'https://secretmanager.us-east1.rep.googleapis.com/v1/projects/p/locations/us-east1/secrets/s/versions/1:access', { method: 'secretmanager.versions.access', operation: 'access', resource: 'projects/p/locations/us-east1/secrets/s/versions/1', region: 'us-east1', read_only: true }],
  // Cloud Storage: JSON API, uploads, XML API
  ['GET', `${GCS}/storage/v1/b?project=p`, { service: 'storage', method: 'storage.buckets.list', operation: 'list', resource: 'projects/_/buckets', read_only: true }],
  ['POST', `${GCS}/storage/v1/b?project=p`, { service: 'storage', method: 'storage.buckets.create', operation: 'create', resource: 'projects/_/buckets', read_only: false }],
  ['DELETE', `${GCS}/storage/v1/b/logs`, { service: 'storage', method: 'storage.buckets.delete', operation: 'delete', resource: 'projects/_/buckets/logs', read_only: false }],
  ['GET', `${GCS}/storage/v1/b/logs/o?prefix=2024`, { service: 'storage', method: 'storage.objects.list', operation: 'list', resource: 'projects/_/buckets/logs/objects', read_only: true }],
  ['GET', `${GCS}/storage/v1/b/logs/o/2024%2F01%2Fapp.log?alt=media`, { service: 'storage', method: 'storage.objects.get', operation: 'get', resource: 'projects/_/buckets/logs/objects/2024/01/app.log', read_only: true }],
  ['DELETE', `${GCS}/storage/v1/b/logs/o/app.log`, { service: 'storage', method: 'storage.objects.delete', operation: 'delete', resource: 'projects/_/buckets/logs/objects/app.log', read_only: false }],
  ['POST', `${GCS}/upload/storage/v1/b/logs/o?uploadType=media&name=new.log`, { service: 'storage', method: 'storage.objects.create', operation: 'create', resource: 'projects/_/buckets/logs/objects/new.log', read_only: false }],
  ['PUT', `${GCS}/upload/storage/v1/b/logs/o?uploadType=resumable&upload_id=ABCD`, { service: 'storage', method: 'storage.objects.create', operation: 'create', resource: 'projects/_/buckets/logs/objects', read_only: false }],
  ['PUT', `${GCS}/upload/storage/v1/b/logs/o?uploadType=resumable`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'projects/_/buckets/logs/objects', read_only: false }],
  ['GET', `${GCS}/storage/v1/b/logs/iam`, { service: 'storage', method: 'storage.buckets.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/_/buckets/logs', read_only: true }],
  ['PUT', `${GCS}/storage/v1/b/logs/iam`, { service: 'storage', method: 'storage.buckets.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/_/buckets/logs', read_only: false }],
  ['GET', `${GCS}/storage/v1/b/logs/iam/testPermissions?permissions=storage.objects.get`, { service: 'storage', method: 'storage.buckets.testIamPermissions', operation: 'testIamPermissions', resource: 'projects/_/buckets/logs', read_only: true }],
  ['POST', `${GCS}/storage/v1/b/logs/acl`, { service: 'storage', method: 'storage.buckets.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/_/buckets/logs', read_only: false }],
  ['PUT', `${GCS}/storage/v1/b/logs/o/app.log/acl/allUsers`, { service: 'storage', method: 'storage.objects.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/_/buckets/logs/objects/app.log', read_only: false }],
  ['POST', `${GCS}/storage/v1/b/src/o/a.txt/rewriteTo/b/dst/o/b.txt`, { service: 'storage', method: 'storage.objects.rewrite', operation: 'rewrite', resource: 'projects/_/buckets/dst/objects/b.txt', read_only: false, sources: [{ resource: 'projects/_/buckets/src/objects/a.txt', bucket: 'src', object: 'a.txt' }] }],
  // A literal slash in a JSON API object path is part of the name (the server routes /o/{objectName:.+})
  ['DELETE', `${GCS}/storage/v1/b/logs/o/2024/01/app.log`, { service: 'storage', method: 'storage.objects.delete', operation: 'delete', resource: 'projects/_/buckets/logs/objects/2024/01/app.log', read_only: false }],
  ['PATCH', `${GCS}/storage/v1/b/logs/o/a/b`, { service: 'storage', method: 'storage.objects.update', operation: 'patch', resource: 'projects/_/buckets/logs/objects/a/b', read_only: false }],
  ['GET', `${GCS}/storage/v1/b/logs/o/a/b/acl`, { service: 'storage', method: 'storage.objects.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/_/buckets/logs/objects/a/b', read_only: true }],
  ['DELETE', `${GCS}/storage/v1/b/logs/o/a/b/acl/allUsers`, { service: 'storage', method: 'storage.objects.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/_/buckets/logs/objects/a/b', read_only: false }],
  ['POST', `${GCS}/storage/v1/b/logs/o/a/b/compose`, { service: 'storage', method: 'storage.objects.compose', operation: 'compose', resource: 'projects/_/buckets/logs/objects/a/b', read_only: false, source_error: 'the compose request body is not a JSON object Warden could read' }],
  ['DELETE', `${GCS}/storage/v1/b/logs/o/a/compose`, { service: 'storage', method: 'storage.objects.delete', operation: 'delete', resource: 'projects/_/buckets/logs/objects/a/compose', read_only: false }],
  ['POST', `${GCS}/storage/v1/b/src/o/a/b/copyTo/b/dst/o/c/d`, { service: 'storage', method: 'storage.objects.copy', operation: 'copy', resource: 'projects/_/buckets/dst/objects/c/d', read_only: false, sources: [{ resource: 'projects/_/buckets/src/objects/a/b', bucket: 'src', object: 'a/b' }] }],
  ['POST', `${GCS}/storage/v1/projects/p/hmacKeys?serviceAccountEmail=ci@p.iam.gserviceaccount.com`, { service: 'storage', method: 'storage.hmacKeys.create', operation: 'create', resource: 'projects/p/hmacKeys', read_only: false }],
  ['GET', `${GCS}/logs/2024/01/app.log`, { service: 'storage', method: 'storage.objects.get', operation: 'get', resource: 'projects/_/buckets/logs/objects/2024/01/app.log', read_only: true }],
  ['PUT', `${GCS}/logs/a%20b.txt`, { service: 'storage', method: 'storage.objects.create', operation: 'create', resource: 'projects/_/buckets/logs/objects/a b.txt', read_only: false }],
  ['DELETE', 'https://logs.storage.googleapis.com/dir//file.txt', { service: 'storage', method: 'storage.objects.delete', operation: 'delete', resource: 'projects/_/buckets/logs/objects/dir//file.txt', read_only: false }],
  ['GET', 'https://logs.storage.googleapis.com/?acl', { service: 'storage', method: 'storage.buckets.getIamPolicy', operation: 'getIamPolicy', resource: 'projects/_/buckets/logs', read_only: true }],
  // XML API subresource writes Warden does not read (judged a bucket create or an upload by the method alone before)
  ...['defaultObjectAcl', 'cors', 'website', 'lifecycle', 'logging', 'billing', 'encryptionConfig', 'iamPolicy', 'versioning', 'CORS'].map((sub): [string, string, Want] =>
    ['PUT', `${GCS}/logs?${sub}`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'logs', read_only: false }]),
  ['PUT', 'https://logs.storage.googleapis.com/?lifecycle', { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'logs', read_only: false }],
  ['PUT', `${GCS}/logs/app.log?retention`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'logs/app.log', read_only: false }],
  ['POST', `${GCS}/logs?website`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'logs', read_only: false }],
  ['DELETE', `${GCS}/logs?cors`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'logs', read_only: false }],
  ['PUT', `${GCS}/logs?acl`, { service: 'storage', method: 'storage.buckets.setIamPolicy', operation: 'setIamPolicy', resource: 'projects/_/buckets/logs', read_only: false }],
  ['PUT', `${GCS}/logs`, { service: 'storage', method: 'storage.buckets.create', operation: 'create', resource: 'projects/_/buckets/logs', read_only: false }],
  ['PUT', `${GCS}/logs/big.bin?partNumber=2&uploadId=U`, { service: 'storage', method: 'storage.objects.create', operation: 'create', resource: 'projects/_/buckets/logs/objects/big.bin', read_only: false }],
  ['POST', `${GCS}/logs/big.bin?uploads`, { service: 'storage', method: 'storage.objects.create', operation: 'create', resource: 'projects/_/buckets/logs/objects/big.bin', read_only: false }],
  ['DELETE', `${GCS}/logs/app.log?generation=7`, { service: 'storage', method: 'storage.objects.delete', operation: 'delete', resource: 'projects/_/buckets/logs/objects/app.log', read_only: false }],
  ['GET', `${GCS}/`, { service: 'storage', method: 'storage.buckets.list', operation: 'list', resource: 'projects/_/buckets', read_only: true }],
  ['POST', `${GCS}/batch/storage/v1`, { service: 'storage', method: 'storage.batch', operation: 'batch', resource: '', read_only: false }],
  // unknown and ambiguous ⇒ method unknown, never read-only
  ['GET', 'https://api.example.com/v1/things', { service: 'api.example.com', method: 'unknown', operation: 'unknown', resource: 'v1/things', read_only: false }],
  // Cloud Storage paths on another API's host (an emulator at one URL serves them by path alone)
  ['POST', 'https://compute.googleapis.com/storage/v1/b/vault/o/s.csv/copyTo/b/drop/o/x.csv', { service: 'compute', method: 'unknown', operation: 'unknown', resource: 'storage/v1/b/vault/o/s.csv/copyTo/b/drop/o/x.csv', read_only: false }],
  ['GET', 'https://logging.googleapis.com/download/storage/v1/b/vault/o/s.csv', { service: 'logging', method: 'unknown', operation: 'unknown', resource: 'download/storage/v1/b/vault/o/s.csv', read_only: false }],
  ['GET', 'https://pubsub.googleapis.com/v1/projects/p/topics', { service: 'pubsub', method: 'unknown', operation: 'unknown', resource: 'v1/projects/p/topics', read_only: false }],
  ['GET', `${C}/zones/z/instances/../../../../other/secrets`, { service: 'compute', method: 'unknown', operation: 'unknown', resource: 'compute/v1/projects/p/zones/z/instances/../../../../other/secrets', read_only: false }],
  ['POST', `${SM}/secrets/s`, { service: 'secretmanager', method: 'unknown', operation: 'unknown', resource: 'projects/p/secrets/s', read_only: false }],
  ['GET', 'https://compute.googleapis.com/', { service: 'compute', method: 'unknown', operation: 'unknown', resource: '', read_only: false }],
  // No bucket may be named so (fake-gcs-server's own /_internal/… endpoints sit there)
  ['POST', `${GCS}/_internal/delete_all`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: '_internal/delete_all', read_only: false }],
  ['DELETE', `${GCS}/storage/v1/b/_internal`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'b/_internal', read_only: false }],
  ['GET', `${GCS}/Logs/app.log`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'Logs/app.log', read_only: false }],
  ['GET', `${GCS}/storage/v1/b/logs/o/a/../../../b/other/o/x`, { service: 'storage', method: 'unknown', operation: 'unknown', resource: 'storage/v1/b/logs/o/a/../../../b/other/o/x', read_only: false }],
]

const serviceOf = (url: string) => new URL(url).hostname.split('.')[0]!

test('at least 25 GCP requests are covered', () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`)
})

for (const [method, url, want] of cases) {
  test(`${method} ${url}`, () => {
    const got = normalizeGcp({ method, url })
    const { service, ...rest } = want
    assert.equal(got, { provider: 'gcp', service: service ?? serviceOf(url), ...rest })
  })
}

test('an insert whose JSON metadata names another bucket or object than its path and query is not classified', () => {
  const insert = (body: unknown) => normalizeGcp({ method: 'POST', url: `${GCS}/upload/storage/v1/b/logs/o?uploadType=resumable&name=a.log`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  assert.is(insert({ name: 'a.log' }).method, 'storage.objects.create')
  assert.is(insert({ bucket: 'logs', name: 'a.log' }).method, 'storage.objects.create')
  assert.is(insert({ bucket: 'other', name: 'a.log' }).method, 'unknown')
  assert.is(insert({ Bucket: 'other' }).method, 'unknown')
  assert.is(insert({ NAME: 'b.log' }).method, 'unknown')
})

test('a multipart upload whose metadata part names another bucket or object is not classified either', () => {
  const insert = (meta: unknown) => normalizeGcp({
    method: 'POST', url: `${GCS}/upload/storage/v1/b/logs/o?uploadType=multipart&name=a.log`, headers: { 'content-type': 'multipart/related; boundary=b1' },
    body: `--b1\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(meta)}\r\n--b1\r\ncontent-type: text/plain\r\n\r\nhello\r\n--b1--\r\n`,
  })
  assert.is(insert({ name: 'a.log', bucket: 'logs' }).method, 'storage.objects.create')
  assert.is(insert({ bucket: 'other' }).method, 'unknown')
  assert.is(insert({ name: 'b.log' }).method, 'unknown')
})

test('key order is stable (provider, service, method, operation, resource, region, read_only)', () => {
  const got = normalizeGcp({ method: 'GET', url: `${C}/zones/z/instances/i` })
  assert.equal(Object.keys(got), ['provider', 'service', 'method', 'operation', 'resource', 'region', 'read_only'])
})

test('the API name of a googleapis.com host: plain, regional, rep and mTLS forms', () => {
  assert.is(gcpApiName('compute.googleapis.com'), 'compute')
  assert.is(gcpApiName('us-central1-run.googleapis.com'), 'run')
  assert.is(gcpApiName('secretmanager.us-east1.rep.googleapis.com'), 'secretmanager')
  assert.is(gcpApiName('storage.mtls.googleapis.com'), 'storage')
  assert.is(gcpApiName('googleapis.com'), undefined)
  assert.is(gcpApiName('compute.googleapis.com.evil.test'), undefined)
})

test('origin-form with a Host header', () => {
  const got = normalizeGcp({ method: 'GET', url: '/v1/projects/p/secrets/s/versions/1:access', headers: { host: 'secretmanager.googleapis.com' } })
  assert.is(got.method, 'secretmanager.versions.access')
})

test('never throws on garbage', () => {
  for (const req of garbageRequests) assert.type(normalizeGcp(req), 'object')
})

test.run()
