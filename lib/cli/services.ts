/** The adapters a CLI command uses, bound to the target's resources. */
import { profileStore } from '../../functions/adapters/wiring.ts';
import type { Target } from './target.ts';

export function storeFor(target: Target): ReturnType<typeof profileStore> {
  return profileStore(target.outputs.TableName);
}
