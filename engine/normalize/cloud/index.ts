// Cloud API requests (GCP, AWS) → CloudCommand: which service, which IAM-style method, on what resource.
export { normalizeAws } from './aws.ts'
export { normalizeGcp } from './gcp.ts'
export { gcpLogRead, MAX_LOG_FILTER_CHARS } from './gcp-logging.ts'
