import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Refusal } from '../../src/refusals.js';
import { itemAt, refusalDetails } from '../../src/wire/item-errors.js';

const refusal = (code: Refusal['code'], path: Refusal['path'], details: Record<string, unknown> = {}): Refusal => ({ code, path, details });

describe('refusalDetails: the one renderer of where an item’s error lies', () => {
  test('send_mail: v3+ json_path, v2.x index and parent_api_name for nested keys', () => {
    const nested = refusal('INVALID_DATA', ['to', 1, 'email']);
    assert.deepEqual(refusalDetails(nested, itemAt('data', 2, { version: 'v8' })), { api_name: 'email', json_path: '$.data[2].to[1].email' });
    assert.deepEqual(refusalDetails(nested, itemAt('data', 2, { version: 'v2.1' })), { api_name: 'email', parent_api_name: 'to', index: 2 });
    const own = refusal('INVALID_DATA', ['subject'], { maximum_length: 500 });
    assert.deepEqual(refusalDetails(own, itemAt('data', 0, { version: 'v2' })), { maximum_length: 500, api_name: 'subject', index: 0 });
    const whole = refusal('INVALID_DATA', [], { expected_data_type: 'jsonobject' });
    assert.deepEqual(refusalDetails(whole, itemAt('data', 0, { version: 'v3' })), { expected_data_type: 'jsonobject', api_name: 'data', json_path: '$.data[0]' });
  });

  test('send_mail: a missing from, to or email names parent_api_name on every version', () => {
    for (const version of ['v2.1', 'v8'] as const) {
      const from = refusalDetails(refusal('MANDATORY_NOT_FOUND', ['from']), itemAt('data', 0, { version }));
      assert.equal(from.parent_api_name, 'data', version);
      const email = refusalDetails(refusal('MANDATORY_NOT_FOUND', ['reply_to', 'email']), itemAt('data', 0, { version }));
      assert.equal(email.parent_api_name, 'reply_to', version);
    }
    // Other missing keys keep the version's style: no parent for a key of the item itself.
    assert.deepEqual(refusalDetails(refusal('MANDATORY_NOT_FOUND', ['template', 'id']), itemAt('data', 0, { version: 'v8' })), {
      api_name: 'id',
      json_path: '$.data[0].template.id',
    });
  });

  test('json_path on every version: the last key (Records) or the item’s own key (templates); no key, no api_name', () => {
    const line = refusal('MANDATORY_NOT_FOUND', ['Quoted_Items', 0, 'Product_Name']);
    assert.deepEqual(refusalDetails(line, itemAt('data', 1, { apiName: 'last-key' })), { api_name: 'Product_Name', json_path: '$.data[1].Quoted_Items[0].Product_Name' });
    const folder = refusal('INVALID_DATA', ['folder', 'id']);
    assert.deepEqual(refusalDetails(folder, itemAt('email_templates', 3, { apiName: 'first-key' })), { api_name: 'folder', json_path: '$.email_templates[3].folder.id' });
    const whole = refusal('INVALID_DATA', [], { expected_data_type: 'jsonobject' });
    assert.deepEqual(refusalDetails(whole, itemAt('data', 0, { apiName: 'last-key' })), { expected_data_type: 'jsonobject', json_path: '$.data[0]' });
    assert.deepEqual(refusalDetails(refusal('INVALID_DATA', ['name']), { root: null, index: 0, rules: { apiName: 'first-key' } }), { api_name: 'name', json_path: '$.name' });
  });

  test('a refusal of the item as a whole keeps its own details only', () => {
    const locked = refusal('RECORD_LOCKED', null, { action: 'record_locking', id: '1' });
    assert.deepEqual(refusalDetails(locked, itemAt('data', 4, { version: 'v2.1' })), { action: 'record_locking', id: '1' });
  });
});
