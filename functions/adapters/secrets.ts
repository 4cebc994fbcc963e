/** Reads secrets from Secrets Manager, cached per container for a few minutes. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const TTL_MS = 5 * 60_000;

export class SecretReader {
  private cache = new Map<string, { values: string[]; until: number }>();

  constructor(private readonly client = new SecretsManagerClient({})) {}

  /** The current value and, during a rotation's grace period, the previous one. */
  async values(secretId: string): Promise<string[]> {
    const hit = this.cache.get(secretId);
    if (hit && hit.until > Date.now()) return hit.values;
    const current = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const previous = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' })).catch(() => undefined);
    const values = [current.SecretString, previous?.SecretString].filter((v): v is string => Boolean(v));
    this.cache.set(secretId, { values, until: Date.now() + TTL_MS });
    return values;
  }
}
