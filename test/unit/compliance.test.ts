import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { checkConsentDetails, EMAIL_CONSENT_WITHDRAWN, emailConsentState, trackEmailConsentChange } from '../../src/compliance/consent-details.js';
import { consentLocales, fillConsentLinks, hashSecret, isWellFormedSecret } from '../../src/compliance/consent-links.js';
import { csvCell } from '../../src/compliance/dsr-export.js';
import { DEFAULT_LOCKING_SETTINGS, restrictsSendMail } from '../../src/compliance/locking-config.js';
import { createSecretBox } from '../../src/secrets.js';

describe('compliance rules', () => {
  test('email consent: only the Consent basis asks for it; pending and withdrawn are told apart', () => {
    const state = (details: unknown, extra: Record<string, unknown> = {}) => emailConsentState({ Data_Processing_Basis_Details: details, ...extra });
    assert.equal(state(undefined), 'not_required');
    assert.equal(state({ Data_Processing_Basis: 'Contract' }), 'not_required');
    assert.equal(state({ Data_Processing_Basis: 'Consent' }), 'pending');
    assert.equal(state({ Data_Processing_Basis: 'Consent', Contact_Through_Email: 'true' }), 'pending');
    assert.equal(state({ Data_Processing_Basis: 'Consent', Contact_Through_Email: false }), 'pending');
    assert.equal(state({ Data_Processing_Basis: 'Consent', Contact_Through_Email: true }), 'granted');
    assert.equal(state({ Data_Processing_Basis: 'Consent', Contact_Through_Email: false }, { [EMAIL_CONSENT_WITHDRAWN]: true }), 'withdrawn');
    assert.equal(state({ Data_Processing_Basis: 'Consent', Contact_Through_Email: true }, { [EMAIL_CONSENT_WITHDRAWN]: true }), 'granted');
    assert.equal(state({ Data_Processing_Basis: 'Contract' }, { [EMAIL_CONSENT_WITHDRAWN]: true }), 'not_required');
  });

  test('email consent withdrawal: true → false withdraws, true again ends it, false from the start stays pending', () => {
    const write = (data: Record<string, unknown>, details: Record<string, unknown>) => {
      const before = data.Data_Processing_Basis_Details;
      data.Data_Processing_Basis_Details = { ...(before as object | undefined), ...details };
      trackEmailConsentChange(data, before);
      return data;
    };
    const fresh = write({}, { Data_Processing_Basis: 'Consent', Contact_Through_Email: false });
    assert.equal(EMAIL_CONSENT_WITHDRAWN in fresh, false);
    const granted = write(fresh, { Contact_Through_Email: true });
    assert.equal(EMAIL_CONSENT_WITHDRAWN in granted, false);
    const withdrawn = write(granted, { Contact_Through_Email: false });
    assert.equal(withdrawn[EMAIL_CONSENT_WITHDRAWN], true);
    assert.equal(write(withdrawn, { Consent_Remarks: 'called' })[EMAIL_CONSENT_WITHDRAWN], true, 'other keys leave it');
    assert.equal(EMAIL_CONSENT_WITHDRAWN in write(withdrawn, { Contact_Through_Email: true }), false);
  });

  test('consent details: known keys checked, unknown keys dropped, null kept to clear', () => {
    assert.deepEqual(checkConsentDetails({ Data_Processing_Basis: 'Consent', Foo: 1, Consent_Date: null }, ['X']), {
      Data_Processing_Basis: 'Consent',
      Consent_Date: null,
    });
    assert.throws(() => checkConsentDetails({ Contact_Through_Email: 'yes' }, ['X']), /invalid data/);
    assert.throws(() => checkConsentDetails({ Consent_Date: '2026-02-30' }, ['X']), /invalid data/);
  });

  test('consent tokens: every locale found and replaced; the secret format is strict; hashes are hex SHA-256', () => {
    const text = '<a href="${ConsentForm.en_US}">a</a> ${ConsentForm.de} ${ConsentForm.} ${Leads.Email}';
    assert.deepEqual(consentLocales(text), ['en_US', 'de']);
    assert.equal(fillConsentLinks(text, 'https://x/c/1'), '<a href="https://x/c/1">a</a> https://x/c/1 ${ConsentForm.} ${Leads.Email}');
    const secret = randomBytes(32).toString('base64url');
    assert.equal(isWellFormedSecret(secret), true);
    assert.equal(isWellFormedSecret(`${secret}x`), false);
    assert.equal(isWellFormedSecret('../../etc/passwd'), false);
    assert.match(hashSecret(secret), /^[0-9a-f]{64}$/);
  });

  test('CSV cells: quoting and formula neutralising', () => {
    assert.equal(csvCell('Jane'), 'Jane');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('-5'), "'-5");
  });

  test('locking: the default restricts send_mail for every profile; exclusions apply only with all_profiles_except_excluded_profiles', () => {
    assert.equal(restrictsSendMail(DEFAULT_LOCKING_SETTINGS, 'admin'), true);
    const excluded = { ...DEFAULT_LOCKING_SETTINGS, lock_excluded_profiles: ['standard' as const] };
    assert.equal(restrictsSendMail(excluded, 'standard'), true);
    const except = { ...excluded, locked_for: 'all_profiles_except_excluded_profiles' as const };
    assert.equal(restrictsSendMail(except, 'standard'), false);
    assert.equal(restrictsSendMail(except, 'admin'), true);
    assert.equal(restrictsSendMail({ ...DEFAULT_LOCKING_SETTINGS, restricted_communications: [] }, 'admin'), false);
  });

  test('MACs are bound to their purpose and key', () => {
    const key = randomBytes(32);
    const box = createSecretBox(key);
    assert.equal(box.mac('consent-form', 'id1'), createSecretBox(key).mac('consent-form', 'id1'));
    assert.notEqual(box.mac('consent-form', 'id1'), box.mac('other', 'id1'));
    assert.notEqual(box.mac('consent-form', 'id1'), createSecretBox(randomBytes(32)).mac('consent-form', 'id1'));
    assert.match(box.mac('consent-form', 'id1'), /^[A-Za-z0-9_-]{43}$/);
  });
});
