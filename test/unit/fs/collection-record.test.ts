import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectionRecord } from '../../../src/fs/collection-record.js';

describe('collectionRecord()', () => {
  it('writes the Go Collection fields in order with Go zero values and HTML-safe escaping', () => {
    const text = collectionRecord('zzzzz-4zz18-aaaaaaaaaaaaaaa', '. d41d8cd98f00b204e9800998ecf8427e+0 0:0:a<b>&c\n').toString('utf8');
    assert.ok(text.startsWith('{"uuid":"zzzzz-4zz18-aaaaaaaaaaaaaaa","etag":"","owner_uuid":"","trash_at":null,"manifest_text":". d41d8cd98f00b204e9800998ecf8427e+0 0:0:a\\u003cb\\u003e\\u0026c\\n","unsigned_manifest_text":"","name":"","created_at":"0001-01-01T00:00:00Z"'), text);
    assert.ok(text.endsWith(',"delete_at":null,"is_trashed":false,"properties":null}\n'));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(parsed.manifest_text, '. d41d8cd98f00b204e9800998ecf8427e+0 0:0:a<b>&c\n');
    assert.equal(Object.keys(parsed).length, 21);
  });
});
