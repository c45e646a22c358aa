// The Google Cloud REST APIs Warden recognises, by host: the API name, the prefix its IAM permissions use,
// and what the generic resource-path parser needs to know about each.

export interface GcpService {
  /** API name, the first label of the host (sqladmin). */
  service: string
  /** IAM permission prefix (cloudsql for sqladmin). */
  iam: string
  /**
   * Known collections. When given, a last segment after a resource id that is not one of them is an action
   * written as a path segment (compute `instances/I/start`, sqladmin `instances/I/restart`).
   */
  collections?: ReadonlySet<string>
  /** Segments that stand alone, without an id after them (compute `global`, `aggregated`). */
  scopes?: ReadonlySet<string>
  /** IAM resource name of a collection, when it differs from the path (iam `keys` ⇒ serviceAccountKeys). */
  resourceNames?: Readonly<Record<string, string>>
  /** IAM verb of a custom method, when it differs from the method name. */
  verbs?: Readonly<Record<string, string>>
  /**
   * Methods of a GET whose path segment is not their name (compute `instances/I/serialPort` is getSerialPortOutput,
   * a read): without them the segment was judged an unknown action, a write.
   */
  getActions?: Readonly<Record<string, string>>
}

const COMPUTE_COLLECTIONS = new Set([
  'acceleratorTypes', 'addresses', 'autoscalers', 'backendBuckets', 'backendServices', 'diskTypes', 'disks',
  'externalVpnGateways', 'firewallPolicies', 'firewalls', 'forwardingRules', 'healthChecks', 'httpHealthChecks',
  'httpsHealthChecks', 'images', 'instanceGroupManagers', 'instanceGroups', 'instanceTemplates', 'instances',
  'interconnectAttachments', 'interconnectLocations', 'interconnects', 'licenses', 'machineImages', 'machineTypes',
  'networkAttachments', 'networkEndpointGroups', 'networks', 'nodeGroups', 'nodeTemplates', 'nodeTypes', 'operations',
  'packetMirrorings', 'projects', 'regions', 'reservations', 'resourcePolicies', 'routers', 'routes',
  'securityPolicies', 'serviceAttachments', 'snapshots', 'sslCertificates', 'sslPolicies', 'storagePools',
  'subnetworks', 'targetGrpcProxies', 'targetHttpProxies', 'targetHttpsProxies', 'targetInstances', 'targetPools',
  'targetSslProxies', 'targetTcpProxies', 'targetVpnGateways', 'urlMaps', 'vpnGateways', 'vpnTunnels', 'zones',
])

const SQL_COLLECTIONS = new Set([
  'projects', 'instances', 'databases', 'users', 'backupRuns', 'sslCerts', 'operations', 'flags', 'tiers', 'backups',
])

const SERVICES: GcpService[] = [
  {
    service: 'compute',
    iam: 'compute',
    collections: COMPUTE_COLLECTIONS,
    scopes: new Set(['global', 'aggregated']),
    getActions: { serialPort: 'getSerialPortOutput', screenshot: 'getScreenshot' },
  },
  { service: 'sqladmin', iam: 'cloudsql', collections: SQL_COLLECTIONS },
  { service: 'container', iam: 'container' },
  { service: 'cloudfunctions', iam: 'cloudfunctions' },
  { service: 'iam', iam: 'iam', resourceNames: { keys: 'serviceAccountKeys' } },
  {
    service: 'iamcredentials',
    iam: 'iam',
    verbs: { generateAccessToken: 'getAccessToken', generateIdToken: 'getOpenIdToken' },
  },
  { service: 'cloudresourcemanager', iam: 'resourcemanager' },
  { service: 'secretmanager', iam: 'secretmanager' },
  { service: 'logging', iam: 'logging' },
]

export const GCP_SERVICES: ReadonlyMap<string, GcpService> = new Map(SERVICES.map((s) => [s.service, s]))

/**
 * Custom methods and actions known to read only. Everything else that is not a plain GET is a write.
 * `access` (a secret version's payload) is a read, but a sensitive one: the risk table rates it high.
 */
export const GCP_READ_VERBS: ReadonlySet<string> = new Set([
  'get', 'list', 'getIamPolicy', 'testIamPermissions', 'access', 'testPermissions',
  'getFromFamily', 'getSerialPortOutput', 'getScreenshot', 'getEffectiveFirewalls', 'getGuestAttributes',
  'getShieldedInstanceIdentity', 'getHealth', 'listManagedInstances', 'listErrors', 'listInstances',
  'listPerInstanceConfigs', 'listServerCas', 'connectSettings',
])

/**
 * The API a googleapis.com host serves: `compute.googleapis.com`, regional `us-central1-run.googleapis.com`,
 * `secretmanager.us-east1.rep.googleapis.com` and mTLS `storage.mtls.googleapis.com` all name their API first.
 */
export function gcpApiName(hostname: string): string | undefined {
  const match = /^(.+)\.googleapis\.com$/.exec(hostname)
  if (!match) return undefined
  const first = match[1]!.split('.')[0]!
  return first.replace(/^[a-z]+-[a-z]+\d+-/, '')
}
