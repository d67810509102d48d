import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RecordRow } from '../../src/records/record-repository.js';
import { STANDARD_MODULES, type ModuleDefinition } from '../../src/records/modules.js';
import { formatMergeDateTime, recordMergeValues, type NameResolver } from '../../src/templates/merge-context.js';
import { renderMergeFields, renderTemplate, type MergeContext, type MergeValues } from '../../src/templates/merge-fields.js';

const moduleNamed = (apiName: string): ModuleDefinition => STANDARD_MODULES.find((m) => m.apiName === apiName)!;

const CREATED = Date.UTC(2024, 4, 10, 12, 30, 0);

function row(module: string, id: string, data: Record<string, unknown>, owner = 'u1'): RecordRow {
  return {
    id,
    org_id: 'org',
    module,
    data: JSON.stringify(data),
    owner_id: owner,
    created_by: owner,
    modified_by: owner,
    created_at: CREATED,
    modified_at: CREATED,
  };
}

const names: NameResolver = {
  recordName: (id) => ({ a1: 'Zylker Inc', c1: 'Jo Ray' } as Record<string, string>)[id] ?? null,
  userName: (id) => (id === 'u1' ? 'Patricia Boyle' : null),
};

/** A Deal with its contact and account, as the loader would prepare them (Deal first). */
function dealContext(lead?: Record<string, unknown>): MergeContext {
  const deal = recordMergeValues(
    moduleNamed('Deals'),
    row('Deals', 'd1', { Deal_Name: 'Big deal', Stage: 'Qualification', Amount: 1234.5, Probability: 40, Contact_Name: 'c1', Account_Name: 'a1' }),
    names,
    'Europe/Berlin',
  );
  const contact = recordMergeValues(
    moduleNamed('Contacts'),
    row('Contacts', 'c1', { First_Name: 'Jo', Last_Name: 'Ray', Full_Name: 'Jo Ray', Email: 'jo@example.com', Account_Name: 'a1', Email_Opt_Out: false }),
    names,
    'Europe/Berlin',
  );
  const account = recordMergeValues(moduleNamed('Accounts'), row('Accounts', 'a1', { Account_Name: 'Zylker Inc', Employees: 12 }), names, 'Europe/Berlin');
  const modules: Record<string, MergeValues> = { Deals: deal, Contacts: contact, Accounts: account };
  if (lead) {
    const values = recordMergeValues(moduleNamed('Leads'), row('Leads', 'l1', lead), names, 'Europe/Berlin');
    modules.Leads = values;
  }
  return {
    modules,
    user: { 'First Name': 'Patricia', 'Last Name': 'Boyle', 'Full Name': 'Patricia Boyle', Email: 'p.boyle@example.com' },
    organization: { 'Organization Name': 'Acme & Sons', 'Primary Email': 'admin@acme.example', 'Time Zone': 'Europe/Berlin', Currency: 'USD', Website: null },
  };
}

function leadContext(values: Record<string, unknown>): MergeContext {
  const lead = recordMergeValues(moduleNamed('Leads'), row('Leads', 'l1', values), names, 'UTC');
  return { modules: { Leads: lead }, user: null, organization: null };
}

const html = { html: true } as const;
const text = { html: false } as const;

describe('merge fields', () => {
  test('${Module.Field Label} takes the label of modules.ts, exactly and then ignoring case', () => {
    const context = leadContext({ First_Name: 'Pat', Last_Name: 'Boyle', Company: 'ABC', No_of_Employees: 7 });
    assert.equal(renderMergeFields('Hi ${Leads.First Name} ${Leads.Last Name} of ${Leads.Company}', context, text), 'Hi Pat Boyle of ABC');
    assert.equal(renderMergeFields('${leads.first name}|${LEADS.LAST NAME}', context, text), 'Pat|Boyle');
    // A label with a dot in it.
    assert.equal(renderMergeFields('${Leads.No. of Employees}', context, text), '7');
    // API names of fields are not labels.
    assert.equal(renderMergeFields('[${Leads.First_Name}]', context, text), '[]');
  });

  test('the module is named by its plural label with spaces or by its API name', () => {
    const so = recordMergeValues(moduleNamed('Sales_Orders'), row('Sales_Orders', 's1', { Subject: 'SO-7', Grand_Total: 99.5 }), names, 'UTC');
    const context: MergeContext = { modules: { 'Sales Orders': so, Sales_Orders: so }, user: null, organization: null };
    assert.equal(renderMergeFields('${Sales Orders.Subject}/${Sales_Orders.Subject}/${sales orders.Grand Total}', context, text), 'SO-7/SO-7/99.5');
  });

  test('records reached through lookups answer to their own module, lookups show names, owners full names', () => {
    const context = dealContext();
    assert.equal(
      renderMergeFields('${Deals.Deal Name} for ${Contacts.First Name} at ${Accounts.Account Name}', context, text),
      'Big deal for Jo at Zylker Inc',
    );
    assert.equal(renderMergeFields('${Deals.Contact Name} / ${Deals.Account Name} / ${Contacts.Account Name}', context, text), 'Jo Ray / Zylker Inc / Zylker Inc');
    assert.equal(renderMergeFields('${Deals.Owner} = ${Deals.Deal Owner}', context, text), 'Patricia Boyle = Patricia Boyle');
    assert.equal(renderMergeFields('${Deals.Deal Id}', context, text), 'd1');
  });

  test('numbers and booleans are plain, date-times are in the given time zone', () => {
    const context = dealContext();
    assert.equal(renderMergeFields('${Deals.Amount} ${Deals.Probability (%)} ${Accounts.Employees} ${Contacts.Email Opt Out}', context, text), '1234.5 40 12 false');
    assert.equal(renderMergeFields('${Deals.Created Time}', context, text), '2024-05-10 14:30');
    assert.equal(formatMergeDateTime(CREATED, 'Asia/Kolkata'), '2024-05-10 18:00');
    const lead = leadContext({ Last_Name: 'X', Unsubscribed_Time: '2024-01-02T03:04:05+01:00' });
    assert.equal(renderMergeFields('${Leads.Unsubscribed Time}', lead, text), '2024-01-02 02:04');
  });

  test('${Users.…} is the sender and ${Organization.…} the org; Website is empty', () => {
    const context = dealContext();
    assert.equal(
      renderMergeFields('${Users.First Name} ${Users.Last Name} <${Users.Email}> — ${Users.Full Name}', context, text),
      'Patricia Boyle <p.boyle@example.com> — Patricia Boyle',
    );
    assert.equal(
      renderMergeFields('${Organization.Organization Name}|${Organization.Primary Email}|${Organization.Time Zone}|${Organization.Currency}|${Organization.Website}|', context, text),
      'Acme & Sons|admin@acme.example|Europe/Berlin|USD||',
    );
  });

  test('values are HTML-escaped in HTML and raw in text', () => {
    const payload = '<b onmouseover="alert(1)">x</b></a><script>alert(\'y\')</script>&amp;';
    const context = leadContext({ Last_Name: payload });
    assert.equal(
      renderMergeFields('<p>${Leads.Last Name}</p>', context, html),
      '<p>&lt;b onmouseover=&quot;alert(1)&quot;&gt;x&lt;/b&gt;&lt;/a&gt;&lt;script&gt;alert(&#39;y&#39;)&lt;/script&gt;&amp;amp;</p>',
    );
    assert.equal(renderMergeFields('${Leads.Last Name}', context, text), payload);
    // The template's own HTML is not touched, only values.
    assert.equal(renderMergeFields('<a href="x">${Leads.Company}</a>', context, html), '<a href="x"></a>');
  });

  test('in a subject, line breaks, NUL and U+2028/2029 are removed from values', () => {
    const context = leadContext({ Last_Name: 'Evil\r\nBcc: victim@example.com\u0000\u2028\u2029\u0085!' });
    const rendered = renderTemplate({ subject: 'Hello ${Leads.Last Name}', content: '<p>${Leads.Last Name}</p>' }, context);
    assert.equal(rendered.subject, 'Hello EvilBcc: victim@example.com!');
    assert.doesNotMatch(rendered.subject, /[\r\n\0\u2028\u2029\u0085]/);
    // The HTML body keeps the text (escaped), line breaks included.
    assert.equal(rendered.content, '<p>Evil\r\nBcc: victim@example.com\u0000\u2028\u2029\u0085!</p>');
    // A subject is header text, never HTML: values are not escaped there.
    assert.equal(renderTemplate({ subject: '${Leads.Last Name}', content: '' }, leadContext({ Last_Name: 'A & B <c>' })).subject, 'A & B <c>');
  });

  test('substitution is single-pass: a value that looks like a merge field stays as written', () => {
    const context = leadContext({ Last_Name: '${Leads.Email}', Email: 'secret@example.com', Company: '$& $1 $$' });
    assert.equal(renderMergeFields('${Leads.Last Name}', context, text), '${Leads.Email}');
    assert.equal(renderMergeFields('${Leads.Last Name}', context, html), '${Leads.Email}');
    // Replacement patterns inside values are inserted literally.
    assert.equal(renderMergeFields('[${Leads.Company}]', context, text), '[$& $1 $$]');
  });

  test('unknown modules and fields, and ${!Module.field}, render as an empty string', () => {
    const context = leadContext({ Last_Name: 'Boyle' });
    assert.equal(renderMergeFields('a${Leads.Nope}b${Contacts.First Name}c${Nope.Field}d${Leads}e${!Vendors.id}f${!Leads.Last Name}g', context, text), 'abcdefg');
    // Not tokens: left alone.
    assert.equal(renderMergeFields('$Leads.Last Name {Leads.Last Name} ${ unclosed', context, text), '$Leads.Last Name {Leads.Last Name} ${ unclosed');
    // A null source (no sender loaded) renders empty too.
    assert.equal(renderMergeFields('[${Users.Email}]', context, text), '[]');
  });

  test('only own properties are looked up: prototype names render empty', () => {
    const context = leadContext({ Last_Name: 'Boyle' });
    const probes = [
      '${Leads.__proto__}',
      '${Leads.constructor}',
      '${Leads.toString}',
      '${Leads.hasOwnProperty}',
      '${__proto__.constructor}',
      '${constructor.name}',
      '${Users.constructor}',
      '${Organization.__proto__}',
      '${toString.length}',
      '{{constructor.constructor("return process")()}}',
    ];
    for (const probe of probes) {
      const out = renderMergeFields(probe, context, text);
      assert.ok(out === '' || out === probe, `${probe} → ${out}`);
      assert.doesNotMatch(out, /function|\[object/);
    }
    assert.equal(renderMergeFields('{{__proto__}}', context, text), '{{__proto__}}');
    // Even a context whose maps carry such keys as own data only yields that data.
    const own: MergeContext = { modules: JSON.parse('{"Leads":{"__proto__":"own value"}}'), user: null, organization: null };
    assert.equal(renderMergeFields('${Leads.__proto__}', own, text), 'own value');
  });

  test('${ConsentForm.<locale>} is left untouched', () => {
    const context = leadContext({ Last_Name: 'Boyle' });
    const body = '<a href="${ConsentForm.en_US}" id="ConsentForm" class="en_US">Consent</a> ${Leads.Last Name} ${ConsentForm.de_DE}';
    assert.equal(
      renderMergeFields(body, context, html),
      '<a href="${ConsentForm.en_US}" id="ConsentForm" class="en_US">Consent</a> Boyle ${ConsentForm.de_DE}',
    );
  });

  test('&nbsp; in a label written by a rich-text editor still matches in HTML', () => {
    const context = leadContext({ First_Name: 'Pat', Last_Name: 'B' });
    assert.equal(renderMergeFields('${Leads.First&nbsp;Name}|${Leads.First\u00a0Name}', context, html), 'Pat|Pat');
  });

  test('the mailed record wins over a lookup of the same module', () => {
    const self = recordMergeValues(moduleNamed('Accounts'), row('Accounts', 'a2', { Account_Name: 'Child' }), names, 'UTC');
    const parent = recordMergeValues(moduleNamed('Accounts'), row('Accounts', 'a1', { Account_Name: 'Parent' }), names, 'UTC');
    // The loader inserts the mailed record first and never overwrites.
    const modules: Record<string, MergeValues> = {};
    for (const values of [self, parent]) if (!Object.hasOwn(modules, 'Accounts')) modules.Accounts = values;
    assert.equal(renderMergeFields('${Accounts.Account Name}', { modules, user: null, organization: null }, text), 'Child');
  });

  test('a large text renders in linear time', () => {
    const context = leadContext({ Last_Name: 'Boyle' });
    const big = '${'.repeat(200_000) + '${Leads.Last Name}' + 'x'.repeat(200_000);
    const started = performance.now();
    const out = renderMergeFields(big, context, html);
    assert.ok(out.endsWith('Boylexxx') || out.includes('Boyle'));
    assert.ok(performance.now() - started < 2000);
  });
});
