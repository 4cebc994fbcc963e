/**
 * A split to undo, for the tests of the routes and pages that undo one: a CRM file gives one
 * person two rows on one number, one of them with a second number (one profile), and that row is
 * split off with the use case the nightly run splits with.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoIdentityStore } from '../../functions/adapters/dynamo-identity-store.ts';
import type { StoredSplit } from '../../functions/ports/identity-store.ts';
import { splitProfile } from '../../functions/app/identity/merge-protocol.ts';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { localDb } from './local-cloud.ts';

export async function splitOffSecondNumber(cloud: LocalCloud, s3: S3Client, runId: string): Promise<{ profileId: string; split: StoredSplit }> {
  const twice = ['id,姓名,手机号码,备用手机', 's1,钱多多,13533334444,', 's2,钱多多,13533334444,13533335555'].join('\n');
  await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: 'incoming/crm/twice.csv', Body: twice }));
  await cloud.idle();
  const identity = new DynamoIdentityStore(localDb(cloud), cloud.info.outputs.TableName);
  const profileId = await identity.profileIdForPhone('+8613533334444');
  if (!profileId) throw new Error('the import keyed no profile by +8613533334444');
  const split = await splitProfile(identity, profileId, { members: ['crm#s2'], phones: ['+8613533335555'], counts: {}, glue: ['+8613533334444'], pair: ['crm#s2', 'crm#s1'] }, runId, 'nightly');
  if (!split) throw new Error(`profile ${profileId} was merged away before it could be split`);
  return { profileId, split };
}
