import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TRAIL_TABLE_KEYS } from '../../functions/adapters/keys.ts';

export interface TrailStoreProps {
  /** How long anchors are kept, undeletable by anyone (S3 Object Lock, compliance mode). */
  anchorRetention: Duration;
  /** How long export files are kept before S3 expires them. */
  exportRetention?: Duration;
}

/**
 * Where the trail lives and what proves it (ADR 0010): its own DynamoDB table, which functions
 * may only append to (conditional PutItem) and read; an asymmetric KMS key that signs anchors
 * and export manifests; a bucket with Object Lock (compliance mode) for the anchors; a bucket
 * for exports. Grants are the only way in.
 */
export class TrailStore extends Construct {
  readonly table: Table;
  readonly signingKey: Key;
  readonly anchors: Bucket;
  readonly exports: Bucket;

  constructor(scope: Construct, id: string, props: TrailStoreProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TRAIL_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TRAIL_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of TRAIL_TABLE_KEYS.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }
    this.signingKey = new Key(this, 'SigningKey', {
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: 'tollgate: signs trail anchors and export manifests',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.anchors = new Bucket(this, 'Anchors', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(props.anchorRetention),
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'anchors/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.exports = new Bucket(this, 'Exports', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'exports/',
      lifecycleRules: [{ expiration: props.exportRetention ?? Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The table's ARN and its indexes'. */
  private get tableResources(): string[] {
    return [this.table.tableArn, `${this.table.tableArn}/index/*`];
  }

  /**
   * Appending entries (in the transactions of the changes they record) and reading chains:
   * PutItem, GetItem and Query — never UpdateItem, DeleteItem or BatchWriteItem.
   */
  grantAppend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        resources: this.tableResources,
      }),
    );
  }

  /** Reading chains and heads. */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: this.tableResources,
      }),
    );
  }

  /** Reading the anchors and the public key: what verification needs. */
  grantVerify(grantee: IGrantable): void {
    this.grantRead(grantee);
    // GetObject on the anchors only, not the bucket's grantRead (GetObject*, GetBucket*, List*
    // on every object). ListBucket makes a missing anchor a 404 (NoSuchKey), not a 403: the
    // first anchoring reads an `anchors/LATEST` that is not there yet.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.anchors.arnForObjects('anchors/*')],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.anchors.bucketArn] }),
    );
    this.signingKey.grant(grantee, 'kms:GetPublicKey');
  }

  /** Writing anchors (locked once written) and signing them. */
  grantAnchor(grantee: IGrantable): void {
    this.grantVerify(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.anchors.arnForObjects('anchors/*')],
      }),
    );
    this.signingKey.grant(grantee, 'kms:Sign');
  }

  /** Writing export files and signing their manifests. */
  grantExport(grantee: IGrantable): void {
    this.grantVerify(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.exports.arnForObjects('exports/*')],
      }),
    );
    this.signingKey.grant(grantee, 'kms:Sign');
  }

  /** Presigning download links to export files. */
  grantDownload(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.exports.arnForObjects('exports/*')],
      }),
    );
  }

  /** The environment the trail's adapters read (functions/adapters/trail/from-env.ts). */
  get environment(): Record<string, string> {
    return {
      TRAIL_TABLE_NAME: this.table.tableName,
      TRAIL_SIGNING_KEY_ID: this.signingKey.keyArn,
      ANCHOR_BUCKET: this.anchors.bucketName,
      EXPORT_BUCKET: this.exports.bucketName,
    };
  }
}
