import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { describeEachDatabase, json, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * JSON depth (docs/reliability.md P8) and everything Fastify or Node's HTTP server would answer on its
 * own: every answer is a Zoho envelope `{code, details, message, status: "error"}`.
 */
const ENVELOPE_KEYS = ['code', 'details', 'message', 'status'];
const MAILROOM_MAX_DEPTH = 32;

/** A body nested `depth` containers deep in total: `{"data":[{…mail, "x":[[…]]}]}`. */
const nestedMail = (from: string, depth: number) =>
  `{"data":[{"from":{"email":"${from}"},"to":[{"email":"smith@example.com"}],"subject":"Deep","x":${'['.repeat(depth - 3)}${']'.repeat(depth - 3)}}]}`;

async function listen(testApp: TestApp): Promise<number> {
  await testApp.server.listen({ port: 0, host: '127.0.0.1' });
  return (testApp.server.server.address() as AddressInfo).port;
}

type RawAnswer = { status: number; head: string; body: unknown };

/** Writes `text` on a fresh connection and reads the first answer (status line, headers, JSON body). */
function raw(port: number, text: string | ((socket: net.Socket) => void)): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => (typeof text === 'string' ? socket.write(text) : text(socket)));
    let data = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`no answer: ${JSON.stringify(data)}`));
      const head = data.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
      const body = data.slice(end + 4, length >= 0 ? end + 4 + length : undefined);
      resolve({ status: Number(head.split(' ')[1]), head, body: body === '' ? null : JSON.parse(body) });
    };
    const timer = setTimeout(done, 3000);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(data.slice(0, Math.max(end, 0)))?.[1] ?? -1);
      if (end !== -1 && length >= 0 && data.length >= end + 4 + length) done();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
}

const envelope = (body: unknown, code: string, message: string, details: Record<string, unknown> = {}) => {
  assert.deepEqual(Object.keys(body as object).sort(), ENVELOPE_KEYS);
  assert.deepEqual(body, { code, details, message, status: 'error' });
};

describeEachDatabase('JSON depth', (get) => {
  test('a send_mail body nested thousands deep with an Idempotency-Key answers 400 and keeps the key free', async () => {
    const org = await get().createOrg();
    const from = json(await get().api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
    const leadId = json(await get().api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'smith@example.com' }] })).data[0].details.id;
    const post = (payload: string) =>
      get().inject({
        method: 'POST',
        url: `/crm/v8/Leads/${leadId}/actions/send_mail`,
        headers: { authorization: `Zoho-oauthtoken ${org.token}`, 'idempotency-key': 'deep-body' },
        payload,
      });
    const deep = await post(nestedMail(from, 20_000));
    assert.equal(deep.statusCode, 400, deep.body);
    envelope(json(deep), 'INVALID_DATA', 'invalid data', { maximum_depth: MAILROOM_MAX_DEPTH });
    assert.equal((await get().api('GET', `/crm/v8/Leads/${leadId}/Emails`, org.token)).statusCode, 204);
    // One level too deep is refused; exactly 32 is an ordinary body (with the same, still unused key).
    assert.deepEqual(json(await post(nestedMail(from, MAILROOM_MAX_DEPTH + 1))).details, { maximum_depth: MAILROOM_MAX_DEPTH });
    const deepest = await post(nestedMail(from, MAILROOM_MAX_DEPTH));
    assert.equal(deepest.statusCode, 200, deepest.body);
    assert.equal(json(deepest).data[0].code, 'SUCCESS');
  });

  test('brackets inside strings do not count; every route is bounded', async () => {
    const org = await get().createOrg();
    const text = await get().api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: '[{"\\', Description: `${'[{'.repeat(500)}"\\${'}]'.repeat(500)}` }] });
    assert.equal(text.statusCode, 201, text.body);
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    for (const [method, url] of [['POST', '/crm/v8/Leads'], ['PUT', '/crm/v8/settings/email_templates'], ['POST', '/oauth/v2/token'], ['POST', '/crm/v8/Leads/actions/unblock_email']] as const) {
      const response = await get().api(method, url, org.token, deep);
      assert.equal(response.statusCode, 400, url);
      envelope(json(response), 'INVALID_DATA', 'invalid data', { maximum_depth: MAILROOM_MAX_DEPTH });
    }
  });

  test('a deeply nested JSON part of a multipart form and a bracketed query string reach nothing recursive', async () => {
    const jsonPart = `--x\r\nContent-Disposition: form-data; name="grant_type"\r\nContent-Type: application/json\r\n\r\n${'['.repeat(3000)}${']'.repeat(3000)}\r\n--x--\r\n`;
    const multipart = await get().inject({ method: 'POST', url: '/oauth/v2/token', headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: jsonPart });
    // The part is not text, so the token endpoint sees no grant_type (multipart parts are capped at 8 KiB anyway).
    assert.notEqual(multipart.statusCode, 500, multipart.body);
    const org = await get().createOrg();
    const query = await get().api('GET', `/crm/v2/Leads?${'a'}${'[b]'.repeat(2000)}=1`, org.token);
    assert.equal(query.statusCode, 204, query.body);
  });
});

describeEachDatabase('answers Fastify and Node would write themselves', (get) => {
  test('an over-long path segment and a bad percent-encoding are INVALID_URL_PATTERN', async () => {
    const org = await get().createOrg();
    for (const url of [`/crm/v8/Leads/${'1'.repeat(201)}`, '/crm/v8/Leads/%zz', '/nope/%zz', `/crm/v8/${'L'.repeat(300)}`]) {
      const response = await get().api('GET', url, org.token);
      assert.equal(response.statusCode, 404, url);
      assert.match(response.headers['content-type'] as string, /^application\/json/);
      assert.ok(response.headers['x-request-id'], url);
      envelope(json(response), 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');
    }
  });

  test('a body shorter than its Content-Length, a broken Content-Type, OPTIONS', async () => {
    const org = await get().createOrg();
    const auth = { authorization: `Zoho-oauthtoken ${org.token}` };
    const short = await get().inject({ method: 'POST', url: '/crm/v8/Leads', headers: { ...auth, 'content-length': '2' }, payload: '{"data":[]}' });
    assert.equal(short.statusCode, 400);
    envelope(json(short), 'BAD_REQUEST', 'The request could not be understood by the server', { header: 'content-length' });
    const type = await get().inject({ method: 'POST', url: '/crm/v8/Leads', headers: { ...auth, 'content-type': ';;;' }, payload: '{}' });
    assert.equal(type.statusCode, 415);
    envelope(json(type), 'UNSUPPORTED_MEDIA_TYPE', 'The content type of the request is not supported');
    const options = await get().inject({ method: 'OPTIONS', url: '/crm/v8/Leads', headers: auth });
    assert.equal(options.statusCode, 400);
    envelope(json(options), 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  });

  test('a broken multipart body on the token endpoint is a refused request, not a 500', async () => {
    const multipart = (payload: string, contentType = 'multipart/form-data; boundary=x') =>
      get().inject({ method: 'POST', url: '/oauth/v2/token', headers: { 'content-type': contentType }, payload });
    const cut = await multipart('--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc');
    assert.equal(cut.statusCode, 400, cut.body);
    envelope(json(cut), 'INVALID_DATA', 'invalid data', { expected_data_type: 'multipart/form-data' });
    const noBoundary = await multipart('abc', 'multipart/form-data');
    assert.equal(noBoundary.statusCode, 400, noBoundary.body);
    envelope(json(noBoundary), 'INVALID_DATA', 'invalid data', { expected_data_type: 'multipart/form-data' });
    const badJson = await multipart('--x\r\nContent-Disposition: form-data; name="code"\r\nContent-Type: application/json\r\n\r\n{bad\r\n--x--\r\n');
    envelope(json(badJson), 'INVALID_DATA', 'invalid data', { expected_data_type: 'jsonobject' });
    const proto = await multipart('--x\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n1\r\n--x--\r\n');
    assert.equal(proto.statusCode, 400);
    envelope(json(proto), 'INVALID_DATA', 'invalid data');
    // A well-formed multipart request still reaches the endpoint (which finds no refresh token in it).
    const fine = await multipart('--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--x--\r\n');
    assert.deepEqual(json(fine), { error: 'invalid_code' });
  });

  test('requests Node’s HTTP parser refuses: bad request line, bad header, huge headers, missing Host, Expect, timeout', async () => {
    const testApp = await startTestApp(get().kind);
    try {
      const port = await listen(testApp);
      const malformed = ['FOO BAR\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'];
      for (const text of malformed) {
        const answer = await raw(port, text);
        assert.equal(answer.status, 400, text);
        assert.match(answer.head, /content-type: application\/json/i);
        envelope(answer.body, 'BAD_REQUEST', 'The request could not be understood by the server');
      }
      const huge = await raw(port, `GET /crm/v8/Leads/${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal(huge.status, 431);
      envelope(huge.body, 'REQUEST_HEADERS_TOO_LARGE', 'The request line and headers are larger than allowed');
      const noHost = await raw(port, 'GET /crm/v8/Leads HTTP/1.1\r\n\r\n');
      assert.equal(noHost.status, 400);
      envelope(noHost.body, 'BAD_REQUEST', 'The request could not be understood by the server', { header: 'host' });
      const expect = await raw(port, 'POST /crm/v8/Leads HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n{}');
      assert.equal(expect.status, 417);
      envelope(expect.body, 'EXPECTATION_FAILED', 'The expectation in the Expect header is not supported');
      // Node answers a request that did not arrive within requestTimeout through clientError with
      // ERR_HTTP_REQUEST_TIMEOUT; the test raises that event on the server's side of a real connection.
      const accepted = new Promise<net.Socket>((resolve) => testApp.server.server.once('connection', resolve));
      const timeout = await raw(port, async () => {
        const serverSide = await accepted;
        testApp.server.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), serverSide);
      });
      assert.equal(timeout.status, 408);
      envelope(timeout.body, 'REQUEST_TIMEOUT', 'The request was not received in time');
    } finally {
      await testApp.close();
    }
  });

  test('a request arriving while the server closes answers 503 SERVICE_UNAVAILABLE', async () => {
    const testApp = await startTestApp(get().kind);
    const port = await listen(testApp);
    // Request A is routed (its body is still coming), the server starts closing, then A's body and
    // request B arrive on the same connection: A completes, B is answered 503 and the connection closes.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('POST /oauth/v2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = testApp.server.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write('{}GET /crm/v8/Leads HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    await closing;
    await testApp.close();
    const answers = data.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2, data);
    assert.match(answers[0]!, /^HTTP\/1\.1 200 /);
    assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
    assert.match(answers[1]!, /connection: close/i);
    envelope(JSON.parse(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4)), 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable. Please try again later.');
  });
});
