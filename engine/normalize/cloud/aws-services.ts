// The AWS signing names Warden names a call for. An endpoint or credential scope naming any other service is no
// service Warden knows: its Get… and List… are not known to be reads (a made-up host `foo.amazonaws.com`, a VPC
// endpoint id read as a service), so the call is held as one Warden cannot name.
// @see https://docs.aws.amazon.com/general/latest/gr/aws-service-information.html
export const KNOWN_AWS_SERVICES: ReadonlySet<string> = new Set([
  // REST services read by path
  's3', 'lambda', 'execute-api',
  // JSON protocol (X-Amz-Target)
  'dynamodb', 'kms', 'secretsmanager', 'ssm', 'logs', 'ecs', 'ecr', 'ecr-public', 'kinesis', 'states', 'events',
  'firehose', 'glue', 'organizations', 'cognito-idp', 'cognito-identity', 'codebuild', 'codecommit', 'athena', 'acm',
  'lightsail', 'gamelift', 'elasticmapreduce', 'lakeformation', 'redshift-serverless',
  // Read every day by operators (LookupEvents); none of its Get/List/Describe calls returns a secret.
  'cloudtrail',
  // query protocol (Action=)
  'iam', 'sts', 'ec2', 'sqs', 'queue', 'sns', 'cloudformation', 'rds', 'elasticloadbalancing', 'autoscaling',
  'monitoring', 'elasticache', 'redshift', 'elasticbeanstalk', 'email', 'ses',
])

export const knownAwsService = (signing: string | undefined): signing is string => signing !== undefined && KNOWN_AWS_SERVICES.has(signing)
