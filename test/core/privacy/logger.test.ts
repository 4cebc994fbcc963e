/**
 * The handlers' logger (functions/handlers/logger.ts): a handler-style log line with a phone, an
 * e-mail and a name, written through Powertools and middy, reaches stdout masked and structured.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { createLogger } from '../../../functions/handlers/logger.ts';

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture as never);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture as never);
});
afterEach(() => vi.restoreAllMocks());

const context = { functionName: 'ImportFunction', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:x', memoryLimitInMB: '512' } as unknown as Context;
const CLEAR = ['13812345678', '+8613812345678', 'zhang.san@example.com', '张三', 'John Smith', '李四'];

describe('createLogger', () => {
  it('masks a handler log line (message, attributes, nested records, errors) and keeps it structured', async () => {
    const logger = createLogger({ serviceName: 'phonekey' });
    const handler = middy(async (event: { phone: string }) => {
      logger.info(`row stored for ${event.phone} (zhang.san@example.com)`, {
        phone: event.phone,
        record: { name: '张三', email: 'zhang.san@example.com', phones: ['+8613812345678'], source: 'pos' },
        raw: { 姓名: '李四', note: 'call John back on 138 1234 5678' },
        customer: { fullName: 'John Smith' },
      });
      logger.error('write failed', new Error('conditional check failed for PHONE#+8613812345678'));
      return 'ok';
    }).use(injectLambdaContext(logger));
    await handler({ phone: '+8613812345678' }, context);

    const out = lines.join('');
    for (const clear of CLEAR) expect(out).not.toContain(clear);
    const [info, error] = lines.map((l) => JSON.parse(l));
    expect(info).toMatchObject({
      level: 'INFO',
      service: 'phonekey',
      function_name: 'ImportFunction',
      message: 'row stored for +86138****5678 (z***@example.com)',
      phone: '+86138****5678',
      record: { name: '张*', email: 'z***@example.com', phones: ['+86138****5678'], source: 'pos' },
      raw: { 姓名: '李*', note: 'call John back on 138****5678' },
      customer: { fullName: 'J*** S***' },
    });
    expect(error).toMatchObject({ level: 'ERROR', message: 'write failed', error: { name: 'Error', message: 'conditional check failed for PHONE#+86138****5678' } });
  });

  it('is what every handler uses (no handler builds a bare Logger)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../../functions/handlers/', import.meta.url);
    const handlers = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'logger.ts');
    expect(handlers.length).toBeGreaterThan(3);
    for (const file of handlers) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(/new Logger\(/);
      if (/logger\./.test(text)) expect(text, file).toMatch(/createLogger\(/);
    }
  });
});
