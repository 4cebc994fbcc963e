/**
 * AWS SDK clients as PhoneKey's adapters use them. The SDK's logger middleware builds a filtered
 * copy of every input and output (schemaLogFilter walks the whole answer) for a log line, even
 * when no logger is configured and the line goes nowhere; PhoneKey configures none, so the
 * middleware is taken off (bench/sdk-client.bench.ts measures what it costs).
 */
export function withoutLogFilter<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
