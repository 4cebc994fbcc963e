/**
 * Reads secrets from Secrets Manager, cached per container for a few minutes. A caller that finds
 * the cached value wrong (a signature that matches none of its secrets: the secret may have just
 * been rotated) may ask for a fresh read; such reads happen at most once per REFRESH_MIN_MS per
 * secret, so a stream of badly signed requests cannot turn into a Secrets Manager read each.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const TTL_MS = 5 * 60_000;
export const REFRESH_MIN_MS = 5_000;

interface Entry {
  values: Promise<string[]>;
  fetchedAt: number;
  until: number;
}

export class SecretReader {
  private cache = new Map<string, Entry>();

  constructor(private readonly client = new SecretsManagerClient({})) {}

  /**
   * The current value and, during a rotation's grace period, the previous one. `refresh`: read
   * again unless the cached values were read less than REFRESH_MIN_MS ago.
   */
  values(secretId: string, opts: { refresh?: boolean } = {}): Promise<string[]> {
    const now = Date.now();
    const hit = this.cache.get(secretId);
    if (hit && hit.until > now && !(opts.refresh && now - hit.fetchedAt >= REFRESH_MIN_MS)) return hit.values;
    const values = this.read(secretId);
    const entry = { values, fetchedAt: now, until: now + TTL_MS };
    this.cache.set(secretId, entry);
    // A failed read is not cached: the next call tries again.
    values.catch(() => this.cache.get(secretId) === entry && this.cache.delete(secretId));
    return values;
  }

  private async read(secretId: string): Promise<string[]> {
    const [current, previous] = await Promise.all([
      this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' })).catch(() => undefined),
    ]);
    return [current.SecretString, previous?.SecretString].filter((v): v is string => Boolean(v));
  }
}
