import { describe, it, expect, beforeAll } from 'vitest';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../lib/stack/app.ts';

// Negative control for stack.test.ts: the app createApp() builds must really run cdk-nag, and
// an unacknowledged AwsSolutions finding must fail the in-process synth. One synth per file.
let message = '';
let threw = false;
let outdir = '';

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'phonekey-nag-'));
  const { app, stack } = createApp({ outdir });
  // A later route, added the one-line way: it must come out authorized (no APIG4 finding).
  stack.api.addRoute(HttpMethod.POST, '/v1/nag-probe', stack.functions.apiFn.fn);
  // A deliberately non-compliant resource: no encryption, no TLS policy, no DLQ.
  new sqs.Queue(stack, 'NonCompliantQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  try {
    app.synth();
  } catch (err) {
    threw = true;
    message = String((err as Error).message);
  }
}, 180_000);

describe('cdk-nag wiring in createApp', () => {
  it('fails the in-process synth on an unacknowledged AwsSolutions error', () => {
    expect(threw).toBe(true);
    expect(message).toContain('AwsSolutions-SQS2');
    expect(message).toContain('AwsSolutions-SQS4');
    expect(message).toContain('PhoneKey/NonCompliantQueue');
  });

  it('reports nothing but the planted queue (the stack itself and an added route stay clean)', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const paths = new Set<string>();
    for (const plugin of report.pluginReports) {
      for (const violation of plugin.violations) {
        for (const construct of violation.violatingConstructs) paths.add(String(construct.constructPath));
      }
    }
    expect(paths.size).toBeGreaterThan(0);
    expect([...paths].filter((p) => !p.startsWith('PhoneKey/NonCompliantQueue'))).toEqual([]);
  });
});
