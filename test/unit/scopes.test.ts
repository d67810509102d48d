import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAuthorized, scopeCovers } from '../../src/auth/scopes.js';

test('scope coverage follows Zoho’s grammar', () => {
  const cases: [string, string, boolean][] = [
    ['ZohoCRM.modules.ALL', 'ZohoCRM.modules.leads.READ', true],
    ['ZohoCRM.modules.ALL', 'ZohoCRM.modules.emails.READ', true],
    ['ZohoCRM.modules.READ', 'ZohoCRM.modules.leads.READ', true],
    ['ZohoCRM.modules.READ', 'ZohoCRM.modules.leads.CREATE', false],
    ['zohocrm.modules.LEADS.all', 'ZohoCRM.modules.leads.DELETE', true],
    ['ZohoCRM.modules.leads.WRITE', 'ZohoCRM.modules.leads.UPDATE', true],
    ['ZohoCRM.modules.leads.WRITE', 'ZohoCRM.modules.leads.READ', false],
    ['ZohoCRM.modules.contacts.ALL', 'ZohoCRM.modules.leads.READ', false],
    ['ZohoCRM.send_mail.all.CREATE', 'ZohoCRM.send_mail.leads.CREATE', true],
    ['ZohoCRM.settings.ALL', 'ZohoCRM.settings.emails.READ', true],
    ['ZohoCRM.settings.ALL', 'ZohoCRM.org.READ', false],
    ['ZohoCRM.modules.leads.READ', 'ZohoCRM.modules.READ', false],
    ['ZohoCRM.all.ALL', 'ZohoCRM.modules.leads.READ', false],
    ['aaaserver.profile.READ', 'ZohoCRM.modules.leads.READ', false],
    ['ZohoCRM.modules.leads', 'ZohoCRM.modules.leads.READ', false],
  ];
  for (const [granted, required, expected] of cases) assert.equal(scopeCovers(granted, required), expected, `${granted} ⊇ ${required}`);
  assert.equal(isAuthorized(['ZohoCRM.org.READ', 'ZohoCRM.modules.custom.ALL'], ['ZohoCRM.modules.projects.READ', 'ZohoCRM.modules.custom.READ']), true);
});
