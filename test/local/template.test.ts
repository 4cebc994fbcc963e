import { describe, expect, it } from 'vitest';
import { resolve, physicalName, arnOf, logicalIdFor, type Template } from '../../lib/local/template.ts';
import { notificationRoutes, routeS3Event, encodeKey } from '../../lib/local/notifications.ts';
import { toCronPattern } from '../../lib/local/scheduler.ts';

const template: Template = {
  Resources: {
    Raw: { Type: 'AWS::S3::Bucket' },
    Fn: { Type: 'AWS::Lambda::Function' },
    Other: { Type: 'AWS::Lambda::Function' },
    Table: { Type: 'AWS::DynamoDB::Table' },
    Notify: {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        BucketName: { Ref: 'Raw' },
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
          ],
        },
      },
    },
  },
};

describe('the template resolver', () => {
  it('resolves Ref, GetAtt, Join, Sub, Select and Split to local values', () => {
    expect(resolve(template, { Ref: 'Table' })).toBe(physicalName('Table'));
    expect(resolve(template, { 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(arnOf('Fn', template.Resources.Fn));
    expect(resolve(template, { 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] })).toBe('a-us-east-1');
    expect(resolve(template, { 'Fn::Sub': '${Raw}/x/${AWS::AccountId}' })).toBe(`${physicalName('Raw')}/x/000000000000`);
    expect(resolve(template, { 'Fn::Sub': ['${A}!', { A: { Ref: 'Raw' } }] })).toBe(`${physicalName('Raw')}!`);
    expect(resolve(template, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] })).toBe('b');
    expect(resolve(template, { nested: [{ Ref: 'Raw' }] })).toEqual({ nested: [physicalName('Raw')] });
  });

  it('maps a resolved ARN or name back to its logical id', () => {
    expect(logicalIdFor(template, arnOf('Other', template.Resources.Other))).toBe('Other');
    expect(logicalIdFor(template, physicalName('Table'))).toBe('Table');
    expect(logicalIdFor(template, 'arn:aws:lambda:elsewhere')).toBeUndefined();
  });
});

describe('S3 notifications', () => {
  const routes = notificationRoutes(template);
  const event = (key: string, eventName = 'ObjectCreated:Put') => ({ eventName, s3: { bucket: { name: physicalName('Raw') }, object: { key } } });

  it('deliver created objects under the prefix, with the key encoded as S3 does', () => {
    const [delivery] = routeS3Event(routes, event('incoming/pos/a file+1.csv'));
    expect(delivery.functionLogicalId).toBe('Fn');
    expect((delivery.event as any).Records[0].s3.object.key).toBe('incoming/pos/a+file%2B1.csv');
    expect(encodeKey('incoming/门店/x y.csv')).toBe('incoming/%E9%97%A8%E5%BA%97/x+y.csv');
  });

  it('ignore other prefixes, buckets and event types', () => {
    expect(routeS3Event(routes, event('reports/x.csv'))).toHaveLength(0);
    expect(routeS3Event(routes, event('incoming/pos/x.csv', 'ObjectRemoved:Delete'))).toHaveLength(0);
    expect(routeS3Event(routes, { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'other' }, object: { key: 'incoming/a/b' } } })).toHaveLength(0);
  });
});

describe('schedules', () => {
  it('turn AWS cron into five-field cron with Sunday as 0', () => {
    expect(toCronPattern('cron(0 2 * * ? *)')).toBe('0 2 * * *');
    expect(toCronPattern('cron(15 10 ? * 2-6 *)')).toBe('15 10 * * MON-FRI');
    expect(() => toCronPattern('rate(1 day)')).toThrow(/not a cron/);
  });
});
