/**
 * The one place the storage adapters are built: every handler and CLI command gets its stores
 * here, bound to a table (and, for the nightly files, a bucket). Each factory is its own export,
 * so a function's bundle carries only the adapters it uses.
 */

import { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore } from './dynamo-profile-store.ts';
import { documentClient } from './dynamo-document-client.ts';
import { DynamoIdentityStore } from './dynamo-identity-store.ts';
import { DynamoProfileViews } from './dynamo-profile-view.ts';
import { DynamoPrivacyStore } from './dynamo-privacy-store.ts';
import { DynamoProfileSearch } from './dynamo-profile-search.ts';
import { DynamoNumberDirectory } from './dynamo-numbers.ts';
import { DynamoNightlyTable, DynamoViewWriter, S3RunFiles } from './nightly-storage.ts';
import { S3Files } from './s3-files.ts';
import { S3Reports } from './s3-reports.ts';
import { SecretReader } from './secrets.ts';
import { withoutLogFilter } from './sdk-client.ts';

/** One DocumentClient per process: the SDK client and its connections are shared by every store. */
let shared: DynamoDBDocumentClient | undefined;
const db = () => (shared ??= documentClient());

export const profileStore = (table: string) => new DynamoProfileStore(db(), table);
export const identityStore = (table: string) => new DynamoIdentityStore(db(), table);
export const profileViews = (table: string) => new DynamoProfileViews(db(), table);
export const privacyStore = (table: string) => new DynamoPrivacyStore(db(), table);
export const profileSearch = (table: string) => new DynamoProfileSearch(db(), table, identityStore(table));
export const numberDirectory = (table: string) => new DynamoNumberDirectory(db(), table);
export const nightlyTable = (table: string) => new DynamoNightlyTable(db(), table);
export const viewWriter = (table: string) => new DynamoViewWriter(db(), table);
let s3: S3Client | undefined;
const sharedS3 = () => (s3 ??= withoutLogFilter(new S3Client({})));
/** The raw bucket's objects, read as an import reads them (through `client` where the caller has its own). */
export const rawFiles = (client?: S3Client) => new S3Files(client ?? sharedS3());
/** Secrets Manager values, cached (`options` as SecretReader takes them). */
export const secretReader = (...args: ConstructorParameters<typeof SecretReader>) => new SecretReader(...args);
/** The reports imports and nightly runs leave in the reports bucket. */
export const reportStore = (bucket: string, client?: S3Client) => new S3Reports(client ?? sharedS3(), bucket);
export const runFiles = (bucket: string, runId: string) => new S3RunFiles(sharedS3(), bucket, runId);
