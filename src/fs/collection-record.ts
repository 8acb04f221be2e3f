const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The content of `.arvados#collection`: Go's `encoding/json` of the SDK's `Collection` struct
 * (fields in declaration order, HTML-safe escaping) with only `uuid` and `manifest_text` set and
 * Go zero values elsewhere, plus a trailing LF.
 * @param uuid collection UUID (may be empty)
 * @param manifestText the marshalled manifest (UTF-8 string)
 * @returns the bytes (a fresh buffer)
 * @example collectionRecord('', '') // {"uuid":"","etag":"",…,"properties":null}\n
 */
export function collectionRecord(uuid: string, manifestText: string): Buffer {
  const json = JSON.stringify({
    uuid,
    etag: '',
    owner_uuid: '',
    trash_at: null,
    manifest_text: manifestText,
    unsigned_manifest_text: '',
    name: '',
    created_at: ZERO_TIME,
    modified_at: ZERO_TIME,
    modified_by_client_uuid: '',
    modified_by_user_uuid: '',
    portable_data_hash: '',
    replication_confirmed: null,
    replication_confirmed_at: null,
    replication_desired: null,
    storage_classes_desired: null,
    storage_classes_confirmed: null,
    storage_classes_confirmed_at: ZERO_TIME,
    delete_at: null,
    is_trashed: false,
    properties: null,
  });
  // Go escapes <, >, & and U+2028/9 in strings.
  const safe = json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(`${safe}\n`, 'utf8');
}
