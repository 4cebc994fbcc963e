import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { readRows } from '../../../functions/core/ingest/read-rows.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = 200_000;

/** 200k CSV rows (≈ 20 MB of UTF-8) generated on the fly: nothing on disk, nothing kept. */
async function* generatedCsv(counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  const header = Buffer.from('编号,顾客姓名,手机号码,邮箱,联系地址,金额\n');
  counter.bytes += header.length;
  yield header;
  let lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`${i},顾客${i},138${String(i).padStart(8, '0')},user${i}@example.com,"上海市徐汇区, 漕溪北路 ${i} 号",${(i % 1000) / 10}\n`);
    if (lines.length === 400) {
      const chunk = Buffer.from(lines.join(''));
      counter.bytes += chunk.length;
      lines = [];
      yield chunk;
    }
  }
  if (lines.length) {
    const chunk = Buffer.from(lines.join(''));
    counter.bytes += chunk.length;
    yield chunk;
  }
}

describe('memory', () => {
  it('streams 200k CSV rows with flat heap: growth far below the data size', async () => {
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const counter = { bytes: 0 };
    let rows = 0;
    let peakGrowth = 0;
    let lastPhone = '';
    for await (const r of readRows(generatedCsv(counter), { fileName: 'big.csv' })) {
      if (!('fields' in r)) throw new Error(`unexpected problem: ${JSON.stringify(r)}`);
      rows++;
      lastPhone = r.fields['手机号码'] as string;
      if (rows % 20_000 === 0) {
        gc();
        peakGrowth = Math.max(peakGrowth, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(rows).toBe(ROWS);
    expect(lastPhone).toBe('13800199999');
    expect(counter.bytes).toBeGreaterThan(20_000_000);
    // Retained heap while reading stays a small fraction of what went through.
    expect(peakGrowth).toBeLessThan(counter.bytes / 8);
  });
});
