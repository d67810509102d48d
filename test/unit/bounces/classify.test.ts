import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOUNCE_SUB_CATEGORIES, classifyBounce, describeStatus, findStatus, MAX_REASON_LENGTH, type BounceInput, type BounceOutcome, type BounceSubCategory } from '../../../src/bounces/classify.js';

const TABLE: Array<[BounceInput, BounceOutcome, BounceSubCategory | null]> = [
  [{ status: '5.1.1', action: 'failed', diagnostic: 'smtp; 550 5.1.1 <bob@x>: user unknown' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.1.0', action: 'failed' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.1.3', action: 'failed' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.1.2', action: 'failed' }, 'hard', 'Invalid Domain'],
  [{ status: '5.1.10', action: 'failed', diagnostic: '556 5.1.10 Recipient address has null MX' }, 'hard', 'Invalid Domain'],
  [{ status: '5.1.10', action: 'failed', diagnostic: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.4.4', action: 'failed', diagnostic: 'Host or domain name not found' }, 'hard', 'Invalid Domain'],
  [{ status: '5.0.0', action: 'failed', diagnostic: '550 5.0.0 <bob@x>... User unknown' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.0.0', action: 'failed', diagnostic: '550 Host unknown: domain not found' }, 'hard', 'Invalid Domain'],
  [{ action: 'failed', diagnostic: '550 No such user here' }, 'hard', 'Invalid Mailbox'],
  [{ status: '5.2.2', action: 'failed', diagnostic: '552 5.2.2 Mailbox full' }, 'soft', 'Mailbox Full'],
  [{ status: '5.0.0', action: 'failed', diagnostic: '552 Requested mail action aborted: exceeded storage allocation, quota exceeded' }, 'soft', 'Mailbox Full'],
  [{ status: '5.2.1', action: 'failed', diagnostic: '550 5.2.1 mailbox disabled' }, 'soft', 'Mailbox Disabled'],
  [{ status: '5.2.3', action: 'failed' }, 'soft', 'Message Too Large'],
  [{ status: '5.3.4', action: 'failed' }, 'soft', 'Message Too Large'],
  [{ status: '5.7.1', action: 'failed', diagnostic: '550 5.7.1 Service unavailable; client host blocked using Spamhaus' }, 'soft', 'Spam Blocked'],
  [{ status: '5.7.1', action: 'failed', diagnostic: '550 5.7.1 Delivery not authorized, message refused' }, 'soft', 'Message Rejected'],
  [{ status: '5.7.1', action: 'failed', diagnostic: '550 5.7.1 Recipient address rejected: user unknown' }, 'soft', 'Message Rejected'],
  [{ status: '5.5.0', action: 'failed', diagnostic: '554 5.5.0 Syntax error' }, 'soft', 'Message Rejected'],
  [{ status: '5.0.0', action: 'failed' }, 'soft', 'Message Rejected'],
  [{ status: '5.4.7', action: 'failed', diagnostic: 'delivery time expired' }, 'soft', 'Temporary Domain Failure'],
  [{ status: '4.4.7', action: 'failed', diagnostic: 'Retries Exhausted. Host not reachable.' }, 'soft', 'Temporary Domain Failure'],
  [{ status: '4.2.2', action: 'failed', diagnostic: '452 4.2.2 Mailbox full' }, 'soft', 'Mailbox Full'],
  [{ status: '4.7.0', action: 'failed', diagnostic: '421 4.7.0 Try again later, closing connection (greylisted)' }, 'soft', 'Message Rejected'],
  [{ status: '4.0.0', action: 'failed', diagnostic: 'connect to mx.example: Connection timed out' }, 'soft', 'Temporary Domain Failure'],
  [{ status: '4.3.0', action: 'failed' }, 'soft', 'Temporary Failure'],
  [{ status: '4.4.1', action: 'delayed', diagnostic: 'Connection timed out' }, 'delayed', 'Temporary Domain Failure'],
  [{ status: '5.1.1', action: 'delayed' }, 'delayed', 'Invalid Mailbox'],
  [{ status: '2.0.0', action: 'delivered' }, 'delivered', null],
  [{ status: '2.0.0', action: 'relayed' }, 'delivered', null],
  [{ action: 'expanded' }, 'delivered', null],
  [{ status: '2.0.0' }, 'delivered', null],
  [{ action: 'failed' }, 'soft', 'Unknown'],
  [{}, 'soft', 'Unknown'],
];

test('the classification table', () => {
  for (const [input, outcome, subCategory] of TABLE) {
    const result = classifyBounce(input);
    const label = JSON.stringify(input);
    assert.equal(result.outcome, outcome, label);
    assert.equal(result.subCategory, subCategory, label);
    assert.equal(result.category, outcome === 'hard' ? 'Permanently blocked' : outcome === 'soft' ? 'Temporarily blocked' : null, label);
    if (subCategory) assert.ok(BOUNCE_SUB_CATEGORIES.includes(subCategory), label);
  }
});

test('the status is read from the diagnostic when none is given: enhanced code first, then the SMTP reply class', () => {
  assert.equal(classifyBounce({ action: 'failed', diagnostic: 'smtp; 550-5.1.1 The email account does not exist' }).status, '5.1.1');
  assert.equal(classifyBounce({ action: 'failed', diagnostic: '550 sorry, no mailbox' }).status, '5.0.0');
  assert.equal(findStatus('host 10.5.1.1 said: 451 try later'), '4.0.0', 'an IP address is not a status');
  assert.equal(findStatus('(#5.1.1)'), '5.1.1');
  assert.equal(findStatus('no code here'), null);
  assert.equal(classifyBounce({ status: ' 5.1.1 (bad destination mailbox)', action: 'failed' }).status, '5.1.1');
});

test('reason: the diagnostic on one line and bounded, else the meaning of the status, else a fixed sentence', () => {
  assert.equal(classifyBounce({ status: '5.1.1', action: 'failed', diagnostic: '550 5.1.1 user\n   unknown' }).reason, '550 5.1.1 user unknown');
  assert.equal(classifyBounce({ status: '5.1.1', action: 'failed' }).reason, describeStatus('5.1.1'));
  assert.match(describeStatus('5.1.1'), /^5\.1\.1 Permanent failure: Bad destination mailbox address$/);
  assert.equal(classifyBounce({ action: 'failed' }).reason, 'No reason given by the remote server');
  const long = classifyBounce({ status: '5.0.0', action: 'failed', diagnostic: 'x'.repeat(2000) }).reason;
  assert.equal(long.length, MAX_REASON_LENGTH);
});
