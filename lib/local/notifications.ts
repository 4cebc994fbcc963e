/**
 * S3 bucket notifications from the template (`Custom::S3BucketNotifications`), applied to the
 * local S3 server's events: filter by event type, prefix and suffix, then shape the record the way
 * real S3 does (URL-encoded key) for the target function.
 */
import { resolve, resourcesOfType, logicalIdFor, type Template } from './template.ts';
import type { S3EventRecord } from './storage.ts';

export interface NotificationRoute {
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  functionLogicalId: string;
}

export function notificationRoutes(template: Template): NotificationRoute[] {
  return resourcesOfType(template, 'Custom::S3BucketNotifications').flatMap(([, resource]) => {
    const props = resolve(template, resource.Properties ?? {});
    const configs: any[] = props.NotificationConfiguration?.LambdaFunctionConfigurations ?? [];
    return configs.map((c) => {
      const rules: Array<{ Name: string; Value: string }> = c.Filter?.Key?.FilterRules ?? [];
      const rule = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
      const functionLogicalId = logicalIdFor(template, c.LambdaFunctionArn);
      if (!functionLogicalId) throw new Error(`notification targets an unknown function: ${c.LambdaFunctionArn}`);
      return { bucket: props.BucketName, events: c.Events, prefix: rule('prefix'), suffix: rule('suffix'), functionLogicalId };
    });
  });
}

function eventMatches(pattern: string, eventName: string): boolean {
  const name = eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
  return pattern.endsWith(':*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** S3 encodes keys in notifications like form data: spaces become '+'. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function routeS3Event(routes: NotificationRoute[], record: S3EventRecord): Array<{ functionLogicalId: string; event: unknown }> {
  const { bucket, object } = record.s3;
  return routes
    .filter(
      (r) =>
        r.bucket === bucket.name &&
        r.events.some((e) => eventMatches(e, record.eventName)) &&
        object.key.startsWith(r.prefix) &&
        object.key.endsWith(r.suffix),
    )
    .map((r) => ({
      functionLogicalId: r.functionLogicalId,
      event: {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: new Date().toISOString(),
            eventName: record.eventName.replace(/^s3:/, ''),
            s3: {
              s3SchemaVersion: '1.0',
              bucket: { name: bucket.name, arn: `arn:aws:s3:::${bucket.name}` },
              object: { ...object, key: encodeKey(object.key) },
            },
          },
        ],
      },
    }));
}
