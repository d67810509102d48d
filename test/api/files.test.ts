import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeEachDatabase, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { multipartBody, TINY_PNG } from '../helpers/multipart.js';

const FILE_SCOPES = ['ZohoCRM.files.CREATE', 'ZohoCRM.files.READ'];

export async function upload(app: TestApp, token: string, files: Parameters<typeof multipartBody>[0], query = '') {
  const { payload, contentType } = multipartBody(files);
  return app.inject({
    method: 'POST',
    url: `/crm/v8/files${query}`,
    headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': contentType },
    payload,
  });
}

describeEachDatabase('Files API', (get) => {
  let org: TestOrg;
  let token: string;
  const setup = async () => {
    org = await get().createOrg();
    token = await get().tokenFor(org, FILE_SCOPES);
  };

  test('uploads answer per file with Zoho’s spelling, and download returns the same bytes and name', async () => {
    await setup();
    const bytes = randomBytes(300 * 1024);
    const response = await upload(get(), token, [
      { name: 'report.pdf', type: 'application/pdf', bytes },
      { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('hello') },
    ]);
    assert.equal(response.statusCode, 200);
    const [first, second] = json(response).data;
    assert.deepEqual(Object.keys(first).sort(), ['code', 'details', 'message', 'status']);
    assert.equal(first.code, 'SUCCESS');
    assert.equal(first.message, 'report.pdf uploaded Succeessfully');
    assert.equal(first.details.name, 'report.pdf');
    assert.match(first.details.id, /^[0-9a-f]{64}$/);
    assert.equal(second.message, 'notes.txt uploaded Succeessfully');

    const download = await get().api('GET', `/crm/v8/files?id=${first.details.id}`, token);
    assert.equal(download.statusCode, 200);
    assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
    assert.match(download.headers['content-disposition'] as string, /^attachment; filename="report\.pdf"/);
    assert.equal(download.headers['x-content-type-options'], 'nosniff');
  });

  test('an unknown id, or another org’s id, answers 204; a missing id answers REQUIRED_PARAM_MISSING', async () => {
    await setup();
    const uploaded = json(await upload(get(), token, [{ name: 'a.txt', bytes: Buffer.from('a') }])).data[0].details.id;
    const other = await get().createOrg();
    const otherToken = await get().tokenFor(other, FILE_SCOPES);
    const foreign = await get().api('GET', `/crm/v8/files?id=${uploaded}`, otherToken);
    const unknown = await get().api('GET', `/crm/v8/files?id=${'0'.repeat(64)}`, otherToken);
    assert.equal(foreign.statusCode, 204);
    assert.equal(unknown.statusCode, 204);
    assert.equal(foreign.body, unknown.body);
    const missing = await get().api('GET', '/crm/v8/files', token);
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(json(missing), {
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'id' },
      message: 'The expected parameter is missing',
      status: 'error',
    });
  });

  test('file names are cleaned and never used as paths', async () => {
    await setup();
    const response = await upload(get(), token, [{ name: '../../etc/passwd', bytes: Buffer.from('x') }]);
    assert.equal(json(response).data[0].details.name, 'passwd');
  });

  test('more than 10 files, a file over 20 MB, or a body that is not multipart are refused and store nothing', async () => {
    await setup();
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, bytes: Buffer.from(String(i)) }));
    const tooMany = await upload(get(), token, eleven);
    assert.equal(tooMany.statusCode, 400);
    assert.equal(json(tooMany).code, 'LIMIT_EXCEEDED');
    const big = await upload(get(), token, [{ name: 'big.bin', bytes: Buffer.alloc(20 * 1024 * 1024 + 1) }]);
    assert.equal(big.statusCode, 400);
    assert.equal(json(big).code, 'FILE_SIZE_MORE_THAN_ALLOWED_SIZE');
    const notMultipart = await get().api('POST', '/crm/v8/files', token, { file: 'x' });
    assert.equal(notMultipart.statusCode, 400);
    assert.deepEqual(json(notMultipart), {
      code: 'failure_in_attachment_handling',
      details: {},
      message: 'Problem in uploading attachment. kindly upload the file properly',
      status: 'error',
    });
    const stored = await get().app.db.selectFrom('files').select('id').where('org_id', '=', org.orgId).execute();
    assert.equal(stored.length, 0);
  });

  test('inline images must really be images, and are served at /crm/viewInLineImage', async () => {
    await setup();
    const fake = await upload(get(), token, [{ name: 'x.png', type: 'image/png', bytes: Buffer.from('<svg onload=alert(1)>') }], '?type=inline');
    assert.equal(fake.statusCode, 400);
    const real = json(await upload(get(), token, [{ name: 'logo.png', type: 'image/png', bytes: TINY_PNG }], '?type=inline')).data[0].details.id;
    const image = await get().inject({ method: 'GET', url: `/crm/viewInLineImage?fileContent=${real}` });
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/png');
    assert.deepEqual(image.rawPayload, TINY_PNG);
    const notInline = json(await upload(get(), token, [{ name: 'doc.txt', bytes: Buffer.from('secret') }])).data[0].details.id;
    assert.equal((await get().inject({ method: 'GET', url: `/crm/viewInLineImage?fileContent=${notInline}` })).statusCode, 204);
  });

  test('the Files scopes are required', async () => {
    await setup();
    const noFiles = await get().tokenFor(org, ['ZohoCRM.modules.ALL']);
    const response = await upload(get(), noFiles, [{ name: 'a.txt', bytes: Buffer.from('a') }]);
    assert.equal(response.statusCode, 401);
    assert.equal(json(response).code, 'OAUTH_SCOPE_MISMATCH');
  });
});

// FILE_STORAGE chooses where the bytes live, whatever the database (src/config.ts): each choice on
// each database stores and serves a file through the API, and the bytes are where it says.
for (const kind of ['sqlite', 'postgres'] as const) {
  for (const storage of ['disk', 'database'] as const) {
    describe(`Files API with FILE_STORAGE=${storage} [${kind}]`, () => {
      let testApp: TestApp | undefined;
      before(async () => {
        testApp = await startTestApp(kind, { env: { FILE_STORAGE: storage } });
      });
      after(async () => {
        await testApp?.close();
      });

      test(`an upload is stored ${storage === 'disk' ? 'under DATA_DIR/files' : 'in file_blobs'} and downloads the same`, async () => {
        const app = testApp!;
        assert.equal(app.app.files.kind, storage);
        const org = await app.createOrg();
        const token = await app.tokenFor(org, FILE_SCOPES);
        const bytes = randomBytes(4096);
        const uploaded = await upload(app, token, [{ name: 'stored.bin', type: 'application/octet-stream', bytes }]);
        assert.equal(uploaded.statusCode, 200);
        const id = json(uploaded).data[0].details.id as string;

        const download = await app.api('GET', `/crm/v8/files?id=${id}`, token);
        assert.equal(download.statusCode, 200);
        assert.deepEqual(download.rawPayload, bytes);

        const blob = await app.app.db.selectFrom('file_blobs').select('bytes').where('file_id', '=', id).executeTakeFirst();
        const onDisk = fs.existsSync(path.join(app.config.dataDir, 'files', id.slice(0, 2), id));
        if (storage === 'database') {
          assert.ok(blob, 'the bytes are in file_blobs');
          assert.deepEqual(Buffer.from(blob.bytes), bytes);
          assert.equal(onDisk, false);
        } else {
          assert.equal(blob, undefined);
          assert.equal(onDisk, true);
        }
      });
    });
  }
}
