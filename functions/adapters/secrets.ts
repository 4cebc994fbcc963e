/**
 * Reads secrets from Secrets Manager, cached per container (5 minutes by default). A caller that finds
 * the cached value wrong (a signature that matches none of its secrets: the secret may have just
 * been rotated) may ask for a fresh read; such reads happen at most once per REFRESH_MIN_MS per
 * secret, so a stream of badly signed requests cannot turn into a Secrets Manager read each.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const REFRESH_MIN_MS = 5_000;

export interface SecretReaderOptions {
  /** How long read values are used before they are read again. */
  ttlMs?: number;
  /** Also the previous version (AWSPREVIOUS), valid during a rotation's grace period. */
  previous?: boolean;
}

interface Entry {
  values: Promise<string[]>;
  fetchedAt: number;
  until: number;
}

export class SecretReader {
  private cache = new Map<string, Entry>();

  private readonly ttlMs: number;
  private readonly previous: boolean;

  constructor(
    private readonly client = new SecretsManagerClient({}),
    options: SecretReaderOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.previous = options.previous ?? true;
  }

  /**
   * The current value and, during a rotation's grace period, the previous one. `refresh`: read
   * again unless the cached values were read less than REFRESH_MIN_MS ago.
   */
  values(secretId: string, opts: { refresh?: boolean } = {}): Promise<string[]> {
    const now = Date.now();
    const hit = this.cache.get(secretId);
    if (hit && hit.until > now && !(opts.refresh && now - hit.fetchedAt >= REFRESH_MIN_MS)) return hit.values;
    const values = this.read(secretId);
    const entry = { values, fetchedAt: now, until: now + this.ttlMs };
    this.cache.set(secretId, entry);
    // A failed read is not cached: the next call tries again.
    values.catch(() => this.cache.get(secretId) === entry && this.cache.delete(secretId));
    return values;
  }

  private async read(secretId: string): Promise<string[]> {
    const [current, previous] = await Promise.all([
      this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
      this.previous ? this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' })).catch(() => undefined) : undefined,
    ]);
    return [current.SecretString, previous?.SecretString].filter((v): v is string => Boolean(v));
  }
}
