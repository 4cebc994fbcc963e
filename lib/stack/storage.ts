import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantKeyUse } from './security.ts';
import { acknowledge, pinLogicalId } from './util.ts';

/** The table's secondary indexes, as docs/architecture.md describes them. */
export const TABLE_INDEXES = {
  byProfile: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  profiles: { partitionKey: 'pshard', sortKey: 'profileId' },
} as const;

/** Item-level DynamoDB actions a reader/writer of the table needs (no streams, no admin). */
const TABLE_READ_WRITE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/**
 * What storing behaviour events needs (the webhook function): reads, conditional puts, counter
 * updates. No Scan, DeleteItem or BatchWriteItem for a function anyone can call.
 */
export const TABLE_EVENT_WRITER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/** The reports bucket's prefixes of import and nightly-run reports. */
export const REPORT_PREFIXES = ['imports/', 'nightly/'];

/** The raw bucket's prefixes that imports read: dropped files and the fan-out's chunks. */
export const RAW_IMPORT_PREFIXES = ['incoming/', 'fanout/'];

export interface StorageProps {
  readonly key: kms.IKey;
}

/** The single table, the raw (input) bucket, the reports bucket and their access-log bucket. */
export class Storage extends Construct {
  readonly table: dynamodb.Table;
  readonly rawBucket: s3.Bucket;
  readonly reportsBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.key = props.key;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      // S3 server access logging cannot deliver to an SSE-KMS default-encrypted bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pinLogicalId(this.accessLogBucket, 'AccessLogBucket');
    acknowledge(this.accessLogBucket, {
      'AwsSolutions-S1':
        'This bucket is the server-access-log destination of the raw and reports buckets; logging it into itself would loop, and S3 delivers these logs itself.',
    });

    this.rawBucket = this.hardenedBucket('RawBucket', 'raw/');
    this.reportsBucket = this.hardenedBucket('ReportsBucket', 'reports/');

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, keys] of Object.entries(TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    pinLogicalId(this.table, 'Table');
  }

  /** Item read/write on the table and its named indexes (no `dynamodb:*`, no index wildcard). */
  grantTableReadWrite(grantee: iam.IGrantable, actions: string[] = TABLE_READ_WRITE_ACTIONS): void {
    const arn = this.table.tableArn;
    iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [arn, ...Object.keys(TABLE_INDEXES).map((name) => `${arn}/index/${name}`)],
    });
    grantKeyUse(this.key, grantee, 'encryptDecrypt');
  }

  /** Reading objects (any version) under the raw bucket's import prefixes, and listing them so a missing key is a 404. */
  grantRawRead(grantee: iam.IGrantable): void {
    this.grantPrefixRead(grantee, this.rawBucket, RAW_IMPORT_PREFIXES, ['s3:GetObject', 's3:GetObjectVersion']);
  }

  /** Reading and listing the import and nightly reports (the API serves them to stewards). */
  grantReportsRead(grantee: iam.IGrantable): void {
    this.grantPrefixRead(grantee, this.reportsBucket, REPORT_PREFIXES, ['s3:GetObject']);
  }

  /** `objectActions` on the objects under `prefixes`, ListBucket limited to them, and decryption. */
  private grantPrefixRead(grantee: iam.IGrantable, bucket: s3.Bucket, prefixes: string[], objectActions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions: objectActions, resourceArns: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)) });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    });
    grantKeyUse(this.key, grantee, 'decrypt');
  }

  /** Writing objects (single or multipart) into the reports bucket. */
  grantReportsPut(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.reportsBucket.arnForObjects('*')],
    });
    grantKeyUse(this.key, grantee, 'encryptDecrypt');
  }

  private hardenedBucket(id: string, logPrefix: string): s3.Bucket {
    const bucket = new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    pinLogicalId(bucket, id);
    return bucket;
  }
}
