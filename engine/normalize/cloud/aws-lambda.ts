// Lambda REST (`/2015-03-31/functions/F/invocations` …): method + path → operation and the function named.
import { rawSegments } from '../http.ts'
import type { CloudRequest } from './request.ts'

// [method, path after the date segment, operation]; `*` matches one segment, the first `*` names the resource.
const ROUTES: Array<[string, string, string]> = [
  ['GET', 'functions', 'ListFunctions'],
  ['POST', 'functions', 'CreateFunction'],
  ['GET', 'functions/*', 'GetFunction'],
  ['DELETE', 'functions/*', 'DeleteFunction'],
  ['POST', 'functions/*/invocations', 'Invoke'],
  ['POST', 'functions/*/invoke-async', 'InvokeAsync'],
  ['GET', 'functions/*/configuration', 'GetFunctionConfiguration'],
  ['PUT', 'functions/*/configuration', 'UpdateFunctionConfiguration'],
  ['PUT', 'functions/*/code', 'UpdateFunctionCode'],
  ['GET', 'functions/*/code-signing-config', 'GetFunctionCodeSigningConfig'],
  ['GET', 'functions/*/policy', 'GetPolicy'],
  ['POST', 'functions/*/policy', 'AddPermission'],
  ['DELETE', 'functions/*/policy/*', 'RemovePermission'],
  ['GET', 'functions/*/versions', 'ListVersionsByFunction'],
  ['POST', 'functions/*/versions', 'PublishVersion'],
  ['GET', 'functions/*/aliases', 'ListAliases'],
  ['POST', 'functions/*/aliases', 'CreateAlias'],
  ['GET', 'functions/*/aliases/*', 'GetAlias'],
  ['PUT', 'functions/*/aliases/*', 'UpdateAlias'],
  ['DELETE', 'functions/*/aliases/*', 'DeleteAlias'],
  ['GET', 'functions/*/concurrency', 'GetFunctionConcurrency'],
  ['PUT', 'functions/*/concurrency', 'PutFunctionConcurrency'],
  ['DELETE', 'functions/*/concurrency', 'DeleteFunctionConcurrency'],
  ['GET', 'functions/*/url', 'GetFunctionUrlConfig'],
  ['POST', 'functions/*/url', 'CreateFunctionUrlConfig'],
  ['PUT', 'functions/*/url', 'UpdateFunctionUrlConfig'],
  ['DELETE', 'functions/*/url', 'DeleteFunctionUrlConfig'],
  ['GET', 'event-source-mappings', 'ListEventSourceMappings'],
  ['POST', 'event-source-mappings', 'CreateEventSourceMapping'],
  ['GET', 'event-source-mappings/*', 'GetEventSourceMapping'],
  ['PUT', 'event-source-mappings/*', 'UpdateEventSourceMapping'],
  ['DELETE', 'event-source-mappings/*', 'DeleteEventSourceMapping'],
  ['GET', 'layers', 'ListLayers'],
  ['GET', 'account-settings', 'GetAccountSettings'],
  ['GET', 'tags/*', 'ListTags'],
  ['POST', 'tags/*', 'TagResource'],
  ['DELETE', 'tags/*', 'UntagResource'],
]

export function lambdaCall(req: CloudRequest): { operation: string; resource: string } {
  const [date, ...segs] = rawSegments(req.rawPath)
  if (date === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(date) || segs.includes('..') || segs.includes('.')) {
    return { operation: 'unknown', resource: '' }
  }
  for (const [method, pattern, operation] of ROUTES) {
    const parts = pattern.split('/')
    if (method !== req.method || parts.length !== segs.length) continue
    if (!parts.every((part, i) => part === '*' || part === segs[i])) continue
    const named = parts.indexOf('*')
    return { operation, resource: named < 0 ? '' : segs[named]! }
  }
  return { operation: 'unknown', resource: segs[1] ?? '' }
}
