import { describe, expect, it } from 'vitest';
import { importIdFor } from '../../../functions/core/incoming-key.ts';

describe('importIdFor: one id per upload', () => {
  const head = { etag: 'abc', metadata: {}, lastModified: '2026-11-23T10:00:00.000Z' };
  it('is the same for every notification of one upload', () => {
    expect(importIdFor('raw', 'incoming/crm/a.csv', head)).toBe(importIdFor('raw', 'incoming/crm/a.csv', { ...head }));
  });
  it('differs for a new upload of the same bytes (same ETag, later Last-Modified) to an unversioned bucket', () => {
    expect(importIdFor('raw', 'incoming/crm/a.csv', head)).not.toBe(importIdFor('raw', 'incoming/crm/a.csv', { ...head, lastModified: '2026-11-23T10:00:05.000Z' }));
  });
  it('follows the version when the bucket is versioned, and the id the uploader set when there is one', () => {
    expect(importIdFor('raw', 'k', { ...head, versionId: 'v1' })).toBe(importIdFor('raw', 'k', { ...head, versionId: 'v1', lastModified: 'later' }));
    expect(importIdFor('raw', 'k', { ...head, metadata: { 'import-id': 'cli-123' } })).toBe('cli-123');
  });
});
