import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formErrorsOf, parseAddressList } from '../../src/ui/compose-form.js';

describe('compose form', () => {
  test('addresses: names optional, separators , ; and new lines', () => {
    assert.deepEqual(parseAddressList('a@x.org, "Ann Lee" <ann@y.org>;\nb@z.org'), [
      { email: 'a@x.org', name: null },
      { email: 'ann@y.org', name: 'Ann Lee' },
      { email: 'b@z.org', name: null },
    ]);
  });

  test('a refusal goes to the form field of the key it names, else to the whole form', () => {
    assert.deepEqual(formErrorsOf({ code: 'MANDATORY_NOT_FOUND', path: ['to'], details: {} }), { to: 'This field is required.' });
    assert.deepEqual(formErrorsOf({ code: 'INVALID_DATA', path: ['cc', 1, 'email'], details: {} }), { cc: 'Enter valid email addresses, separated by commas.' });
    assert.deepEqual(formErrorsOf({ code: 'INVALID_DATA', path: ['subject'], details: { maximum_length: 500 } }), { subject: 'invalid data (at most 500).' });
    assert.deepEqual(formErrorsOf({ code: 'SCHEDULE_TIME_PAST', path: ['scheduled_time'], details: {} }), { send_at: 'Schedule time should not be past time' });
    assert.deepEqual(formErrorsOf({ code: 'INVALID_DATA', path: ['inventory_details', 'paper_type'], details: {} }), { paper_type: 'invalid data' });
    assert.deepEqual(formErrorsOf({ code: 'INVENTORY_TEMPLATE_NOT_FOUND', path: ['inventory_details', 'inventory_template', 'id'], details: {} }), {
      inventory_template: 'the inventory template id given seems to be invalid',
    });
    assert.deepEqual(formErrorsOf({ code: 'INVENTORY_TEMPLATE_MODULE_MISMATCH', path: ['inventory_details'], details: {} }), {
      inventory_template: 'The inventory template given cannot be used for a record of this module',
    });
    assert.deepEqual(formErrorsOf({ code: 'RECIPIENT_BLOCKED', path: null, details: { blocked_email_addresses: [{ email: 'x@y.org', reason: 'bounced' }] } }), {
      form: "Email cannot be sent as recipient email's contain one or more blocked email: x@y.org",
    });
  });
});
