/**
 * `phonekey send <file.ndjson|-> --channel <name>`: posts each NDJSON line as an event to
 * `POST /webhooks/<channel>`, signed like a channel signs (HMAC-SHA256 over timestamp + "." + body),
 * in batches, and prints accepted / redelivered / rejected with the reasons, by line number.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { signedHeaders } from '../../../functions/core/events/index.ts';
import { requireFile, UserError, withTarget, type CommandContext } from '../main.ts';
import type { Target } from '../target.ts';

/** Bodies stay under the receiver's 1 MiB limit with room to spare. */
const MAX_BATCH_BYTES = 900 * 1024;

interface LineResult {
  line: number;
  status: 'accepted' | 'redelivered' | 'rejected';
  eventId?: string;
  tag?: string;
  code?: string;
  message?: string;
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  requireFile(file);
  return readFileSync(file, 'utf8');
}

/** The channel's signing secret: its own key in the webhook secrets, else `default`. */
async function channelSecret(target: Target, channel: string): Promise<string> {
  const secretId = target.outputs.WebhookSecretsArn;
  if (!secretId) throw new UserError('the stack has no WebhookSecretsArn output: pass the secret with --secret');
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = out.SecretString ?? '';
  let map: Record<string, unknown>;
  try {
    const parsed = JSON.parse(value);
    map = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { default: value };
  } catch {
    map = { default: value };
  }
  const secret = map[channel] ?? map.default;
  if (typeof secret !== 'string' || !secret) throw new UserError(`the webhook secrets hold no key for ${channel} and no "default": pass --secret`);
  return secret;
}

export function sendCommand(program: Command, context: () => CommandContext): void {
  program
    .command('send')
    .argument('<file>', 'NDJSON file (one event a line), or - for standard input')
    .requiredOption('--channel <name>', 'the channel the events come from')
    .option('--secret <secret>', "signing secret (default: the channel's key in the webhook secrets, else their default key)")
    .option('--batch-size <n>', 'events per request (at most 500)', '100')
    .action(async (file: string, options: { channel: string; secret?: string; batchSize: string }) => {
      const ctx = context();
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500) throw new UserError('--batch-size must be a whole number from 1 to 500');
      const text = await readInput(file);

      const results: LineResult[] = [];
      const events: Array<{ line: number; json: string }> = [];
      text.split(/\r?\n/).forEach((raw, i) => {
        const line = i + 1;
        const trimmed = (i === 0 ? raw.replace(/^\uFEFF/, '') : raw).trim();
        if (!trimmed) return;
        try {
          JSON.parse(trimmed);
          events.push({ line, json: trimmed });
        } catch (error) {
          results.push({ line, status: 'rejected', code: 'line.malformed', message: `not JSON: ${(error as Error).message}` });
        }
      });

      await withTarget(ctx, async (target) => {
        const secret = options.secret ?? (await channelSecret(target, options.channel));
        const apiUrl = target.outputs.ApiUrl;
        if (!apiUrl) throw new UserError('the stack has no ApiUrl output');
        const url = `${apiUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(options.channel)}`;

        let start = 0;
        while (start < events.length) {
          // A batch: up to batchSize events and MAX_BATCH_BYTES of body (at least one event).
          let end = start;
          let bytes = 2;
          while (end < events.length && end - start < batchSize) {
            const size = Buffer.byteLength(events[end]!.json) + 1;
            if (end > start && bytes + size > MAX_BATCH_BYTES) break;
            bytes += size;
            end++;
          }
          const batch = events.slice(start, end);
          start = end;
          const body = `[${batch.map((e) => e.json).join(',')}]`;
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) }, body });
          const reply = (await response.json().catch(() => ({}))) as {
            results?: Array<{ index: number; status: LineResult['status']; eventId?: string; tag?: string; code?: string; message?: string }>;
            error?: string;
            message?: string;
          };
          if (Array.isArray(reply.results)) {
            for (const r of reply.results) {
              const { index, ...rest } = r;
              results.push({ line: batch[index]!.line, ...rest });
            }
            continue;
          }
          // The whole request was refused: a wrong secret or an unknown channel refuses every batch.
          if (response.status === 401 || response.status === 404) {
            throw new UserError(`${url} answered ${response.status}: ${reply.error ?? ''} ${reply.message ?? ''}`.trim());
          }
          for (const e of batch) {
            results.push({ line: e.line, status: 'rejected', code: reply.error ?? `http.${response.status}`, message: reply.message ?? `HTTP ${response.status}` });
          }
        }

        results.sort((a, b) => a.line - b.line);
        const count = (status: LineResult['status']) => results.filter((r) => r.status === status).length;
        const summary = {
          channel: options.channel,
          sent: events.length,
          accepted: count('accepted'),
          redelivered: count('redelivered'),
          rejected: count('rejected'),
          unmapped: results.filter((r) => r.status === 'accepted' && r.tag?.startsWith('unmapped:')).length,
          results,
        };
        ctx.print(summary, () => {
          const rejected = results.filter((r) => r.status === 'rejected').map((r) => `  line ${r.line}: ${r.code} — ${r.message}`);
          return [
            `${options.channel}: ${results.length} events: accepted ${summary.accepted}, redelivered ${summary.redelivered}, rejected ${summary.rejected}` +
              (summary.unmapped ? ` (${summary.unmapped} accepted as unmapped)` : ''),
            ...(rejected.length ? ['rejected:', ...rejected] : []),
          ].join('\n');
        });
        if (summary.rejected) process.exitCode = 1;
      });
    });
}
