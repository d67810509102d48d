import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, isDatabaseUnavailable } from '../../src/db/availability.js';

/** Which errors are a database outage (503, worker pause) rather than a fault of ours (500). */
const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('database outages are recognised by SQLSTATE class, socket error, driver message and SQLite code, also as a cause', () => {
  const outages: unknown[] = [
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('57P02'),
    withCode('57P03', 'the database system is starting up'),
    withCode('57014', 'canceling statement due to statement timeout'),
    withCode('08006'),
    withCode('53300', 'sorry, too many clients already'),
    withCode('ECONNREFUSED'),
    withCode('ECONNRESET'),
    withCode('ETIMEDOUT'),
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('timeout exceeded when trying to connect'),
    withCode('SQLITE_BUSY', 'database is locked'),
    withCode('SQLITE_BUSY_SNAPSHOT'),
    withCode('SQLITE_IOERR_WRITE'),
    withCode('SQLITE_FULL'),
    new Error('wrapped', { cause: withCode('57P01') }),
    new AggregateError([withCode('ECONNREFUSED')], 'connect failed'),
  ];
  for (const error of outages) assert.equal(isDatabaseUnavailable(error), true, String((error as Error).message) + ' ' + String((error as { code?: string }).code));

  const faults: unknown[] = [
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('42P01', 'relation does not exist'),
    withCode('22P02'),
    withCode('SQLITE_CONSTRAINT_UNIQUE'),
    withCode('SQLITE_ERROR'),
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    new Error('driver has already been destroyed'),
    'ECONNRESET',
    null,
  ];
  for (const error of faults) assert.equal(isDatabaseUnavailable(error), false, String(error));
});

test('back-off doubles from 250 ms and stops at the cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffMs(n)), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.equal(backoffMs(3, 1000), 1000);
});
