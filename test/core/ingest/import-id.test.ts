import { describe, expect, it } from 'vitest';
import { importIdFor, resumedImport } from '../../../functions/core/incoming-key.ts';

describe('importIdFor: one id per upload, from the object alone', () => {
  const head = { etag: 'abc', metadata: {}, lastModified: '2026-11-23T10:00:00.000Z' };
  it('is the same for every notification of one upload', () => {
    expect(importIdFor('raw', 'incoming/crm/a.csv', head)).toBe(importIdFor('raw', 'incoming/crm/a.csv', { ...head }));
  });
  it('differs for a new upload of the same bytes (same ETag, later Last-Modified) to an unversioned bucket', () => {
    expect(importIdFor('raw', 'incoming/crm/a.csv', head)).not.toBe(importIdFor('raw', 'incoming/crm/a.csv', { ...head, lastModified: '2026-11-23T10:00:05.000Z' }));
  });
  it('follows the version when the bucket is versioned', () => {
    expect(importIdFor('raw', 'k', { ...head, versionId: 'v1' })).toBe(importIdFor('raw', 'k', { ...head, versionId: 'v1', lastModified: 'later' }));
    expect(importIdFor('raw', 'k', { ...head, versionId: 'v1' })).not.toBe(importIdFor('raw', 'k', { ...head, versionId: 'v2' }));
  });
  it('never takes an id from metadata an uploader can set', () => {
    expect(importIdFor('raw', 'k', { ...head, metadata: { 'import-id': 'cli-123', 'resume-import': 'cli-123' } })).toBe(importIdFor('raw', 'k', head));
  });
});

describe('resumedImport: a retry resumes only an unfinished import of the same file', () => {
  const head = { etag: 'abc', versionId: 'v2', metadata: { 'resume-import': 'i-old' } };
  const old = { importId: 'i-old', bucket: 'raw', key: 'incoming/crm/a.csv', etag: 'abc', status: 'running' };
  const own = importIdFor('raw', 'incoming/crm/a.csv', head);
  it('resumes the import it names when that import is of the same bucket, key and content and not done', () => {
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, old)).toBe('i-old');
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, { ...old, status: 'failed' })).toBe('i-old');
  });
  it('is an import of its own otherwise: finished, another key, other content, unknown, or not the one asked for', () => {
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, { ...old, status: 'done' })).toBe(own);
    expect(resumedImport('raw', 'incoming/crm/b.csv', head, old)).toBe(importIdFor('raw', 'incoming/crm/b.csv', head));
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, { ...old, etag: 'other' })).toBe(own);
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, { ...old, etag: undefined })).toBe(own);
    expect(resumedImport('raw', 'incoming/crm/a.csv', head, undefined)).toBe(own);
    expect(resumedImport('raw', 'incoming/crm/a.csv', { ...head, metadata: {} }, old)).toBe(own);
  });
});
