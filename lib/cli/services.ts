/** The adapters a CLI command uses, bound to the target's resources. */
import { DynamoProfileStore, documentClient } from '../../functions/adapters/dynamo-profile-store.ts';
import type { Target } from './target.ts';

export function storeFor(target: Target): DynamoProfileStore {
  return new DynamoProfileStore(documentClient(), target.outputs.TableName);
}
