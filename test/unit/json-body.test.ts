import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { bodyText, MAX_JSON_DEPTH, parseJsonBody } from '../../src/wire/json-body.js';
import { idFromNumber, idText } from '../../src/wire/json-ids.js';

const refusal = (text: string): AppError => {
  try {
    parseJsonBody(text);
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error;
  }
  assert.fail(`accepted ${text.slice(0, 80)}`);
};

test('integers a double cannot hold, of 16 to 19 digits, come out exact; every other number as JSON.parse gives it', () => {
  const body = parseJsonBody(
    '{"id":1096694392965701632,"safe":9007199254740991,"two53":9007199254740993,"twenty":10966943929657016320,"negative":-1096694392965701632,"fraction":1096694392965701632.5,"exp":1e18,"small":42}',
  ) as Record<string, unknown>;
  assert.equal(body.id, 1096694392965701632n);
  assert.equal(body.safe, 9007199254740991);
  assert.equal(body.two53, 9007199254740993n);
  assert.equal(body.twenty, 10966943929657016320);
  assert.equal(body.negative, -1096694392965701632);
  assert.equal(body.fraction, 1096694392965701632.5);
  assert.equal(body.exp, 1e18);
  assert.equal(body.small, 42);
  // Without a long digit run, the fast path: the same values as JSON.parse.
  const plain = '{"a":[1,2.5,-3,"1096694392965701632"],"b":{"c":true,"d":null},"e":"x\\"]}"}';
  assert.deepEqual(parseJsonBody(plain), JSON.parse(plain));
});

test('both paths drop __proto__ (also escaped) and constructor.prototype, and take the last of duplicate keys', () => {
  for (const id of ['1', '1096694392965701632']) {
    for (const text of [
      `{"id":${id},"__proto__":{"polluted":true},"a":{"constructor":{"prototype":{"polluted":true}}}}`,
      `{"id":${id},"\\u005f_proto__":{"polluted":true}}`,
    ]) {
      const body = parseJsonBody(text) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(body), Object.prototype, text);
      assert.equal(Object.hasOwn(body, '__proto__'), false, text);
      assert.equal((body as { polluted?: unknown }).polluted, undefined, text);
      if (body.a) assert.equal(Object.hasOwn(body.a as object, 'constructor'), false, text);
      assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    }
    assert.deepEqual(parseJsonBody(`{"id":${id},"k":1,"k":2}`), { id: id.length > 15 ? BigInt(id) : Number(id), k: 2 });
  }
});

test(`depth: ${MAX_JSON_DEPTH} nested containers pass, one more is refused before parsing; brackets in strings do not count`, () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  assert.ok(Array.isArray(parseJsonBody(nested(MAX_JSON_DEPTH))));
  for (const text of [nested(MAX_JSON_DEPTH + 1), `${'{"a":'.repeat(100_000)}1`, `[1096694392965701632,${nested(40)}]`]) {
    const error = refusal(text);
    assert.equal(error.code, 'INVALID_BODY');
    assert.deepEqual(error.details, { maximum_depth: MAX_JSON_DEPTH });
  }
  assert.deepEqual(parseJsonBody(`["${'['.repeat(100)}\\\\", "\\"${'{'.repeat(100)}"]`), [`${'['.repeat(100)}\\`, `"${'{'.repeat(100)}`]);
});

test('malformed text on either path, a byte-order mark, and bodyText', () => {
  for (const text of ['{"a":', '{"a":1096694392965701632', '[1096694392965701632,]', "{'a':1}", '{"a":1}x']) {
    assert.deepEqual(refusal(text).details, { expected_data_type: 'jsonobject' }, text);
  }
  assert.deepEqual(parseJsonBody('\ufeff{"a":1096694392965701632}'), { a: 1096694392965701632n });
  assert.equal(bodyText({ a: 1096694392965701632n, b: [1, 'x'] }), '{"a":"1096694392965701632","b":[1,"x"]}');
  assert.equal(bodyText({ a: 1, b: 'x' }), JSON.stringify({ a: 1, b: 'x' }));
});

test('idFromNumber and idText: positive whole numbers of at most 19 digits are ids, nothing else', () => {
  assert.equal(idFromNumber(1096694392965701632n), '1096694392965701632');
  assert.equal(idFromNumber(42), '42');
  for (const value of [0, -1, 1.5, 0n, -5n, 10n ** 19n, Number.MAX_SAFE_INTEGER + 2, '42', null, { id: 1 }]) assert.equal(idFromNumber(value), null, String(value));
  assert.equal(idText(' 42 '), ' 42 ');
  assert.equal(idText(1096694392965701632n), '1096694392965701632');
  assert.equal(idText(1.5), undefined);
});
