/**
 * The one way handlers log: a Powertools Logger (structured JSON, Lambda context, log level from
 * the environment) whose formatter masks personal data before the line is written — the message,
 * every attribute by key name and by pattern, and errors (message and stack). See
 * functions/core/privacy/mask.ts for what is masked and how.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redact, redactText } from '../core/privacy/mask.ts';

/** Powertools' standard keys (as its default formatter writes them), after a redaction step. */
export class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const base = {
      level: attributes.logLevel,
      message: redactText(String(attributes.message ?? '')),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    // Errors get Powertools' shape (name, location, message, stack, cause) first, masked below.
    const extra = Object.fromEntries(Object.entries(additionalLogAttributes).map(([k, v]) => [k, v instanceof Error ? this.formatError(v) : v]));
    const masked = redact(extra) as LogAttributes;
    // An error's `name` is its class (`TypeError`), not a person's: it stays readable.
    for (const [k, v] of Object.entries(extra)) {
      if (isErrorShape(v) && isErrorShape(masked[k])) (masked[k] as { name: string }).name = v.name;
    }
    return new LogItem({ attributes: base }).addAttributes(masked);
  }

  override formatError(error: Error) {
    const formatted = super.formatError(error);
    // `name` is the error's class here, not a person's name.
    return { ...redact(formatted), name: formatted.name };
  }
}

function isErrorShape(v: unknown): v is { name: string; message: unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && 'message' in v && ('stack' in v || 'location' in v);
}

/** A Powertools Logger that never writes a phone, e-mail or name in clear. */
export function createLogger(options: Omit<ConstructorOptions, 'logFormatter'> = {}): Logger {
  return new Logger({ ...options, logFormatter: new RedactingLogFormatter() } as ConstructorOptions);
}
