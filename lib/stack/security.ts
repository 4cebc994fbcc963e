import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** Encrypting and decrypting with the key: what the account delegates and CloudWatch Logs needs. */
const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

/** Actions the account keeps on the key so IAM policies can delegate use and admins can manage it. */
const ACCOUNT_KEY_ACTIONS = [
  // administration (kms:Put* keeps the key policy editable, so nobody is locked out)
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
  'kms:RetireGrant',
  // use, delegated to IAM identity policies in this account
  ...KEY_USE_ACTIONS,
];

/**
 * The one customer-managed key of the stack (table, buckets, DLQ, secrets, log groups).
 * Its policy is written out instead of CDK's default `kms:*` for the account root, and lets
 * CloudWatch Logs use it only for log groups of this account and region.
 */
export function createDataKey(scope: Construct, id: string): kms.Key {
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministrationAndIamDelegation',
        principals: [new iam.AccountRootPrincipal()],
        actions: ACCOUNT_KEY_ACTIONS,
        resources: ['*'], // in a key policy "*" means this key
      }),
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryption',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: [...KEY_USE_ACTIONS, 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    ],
  });
  return new kms.Key(scope, id, {
    description: `PhoneKey data key (${Stack.of(scope).stackName}): table, buckets, DLQ, secrets, logs`,
    enableKeyRotation: true,
    policy,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * Explicit KMS use of the data key, without wildcard actions: `decrypt` to read what the key
 * protects (S3 GetObject, Secrets Manager), `encryptDecrypt` to also write (DynamoDB, S3 PutObject
 * and multipart uploads, SQS SendMessage).
 */
export function grantKeyUse(key: kms.IKey, grantee: iam.IGrantable, mode: 'decrypt' | 'encryptDecrypt'): void {
  const actions =
    mode === 'decrypt'
      ? ['kms:Decrypt', 'kms:DescribeKey']
      : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [key.keyArn] });
}
