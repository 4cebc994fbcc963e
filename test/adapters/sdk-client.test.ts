import { describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../functions/adapters/dynamo-document-client.ts';

describe('the adapters’ SDK clients', () => {
  it('carry no logger middleware (it filters every input and output for a log line nobody configured)', () => {
    const names = (stack: { identify(): string[] }) => stack.identify().join(' ');
    expect(names(new DynamoDBClient({ region: 'us-east-1' }).middlewareStack)).toContain('loggerMiddleware');
    expect(names(documentClient().middlewareStack)).not.toContain('loggerMiddleware');
  });
});
