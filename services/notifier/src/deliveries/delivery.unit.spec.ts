import { IllegalStateError } from '@ledgerline/contracts';
import { deciderSpec, fold } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { type DeliveryCommand, type DeliveryContext, deliveryDecider, retryBackoffMs } from './decide.js';
import { claimRemainingMs, type DeliveryEvent, deliveryStreamId, isOpen } from './delivery.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const at = now.toISOString();
const ctx: DeliveryContext = { now, maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 3_000 };
const given = deciderSpec(deliveryDecider, () => ctx);

const request: DeliveryCommand = {
  type: 'RequestDelivery',
  data: {
    messageId: 'm-1',
    sourceType: 'EmailVerificationRequested',
    template: 'verifyEmail',
    to: 'a@x.test',
  },
};
const requested: DeliveryEvent = { type: 'DeliveryRequested', data: { ...request.data, requestedAt: at } };
const send: DeliveryCommand = { type: 'RecordSent', data: { smtpMessageId: '<m-1@x>' } };
const sent = (attempt: number): DeliveryEvent => ({
  type: 'DeliverySent',
  data: { attempt, smtpMessageId: '<m-1@x>', sentAt: at },
});
const fail = (permanent = false): DeliveryCommand => ({
  type: 'RecordFailure',
  data: { error: '451 try later', permanent },
});
const failed = (attempt: number, permanent = false): DeliveryEvent => ({
  type: 'DeliveryFailed',
  data: { attempt, error: '451 try later', permanent, failedAt: at },
});
const retry = (nextAttempt: number, backoffMs: number): DeliveryEvent => ({
  type: 'DeliveryRetryScheduled',
  data: { nextAttempt, backoffMs, scheduledAt: at },
});

describe('delivery decider', () => {
  it('keys the stream by source message and template', () => {
    expect(deliveryStreamId('m-1', 'signInCode')).toBe('delivery-m-1-signInCode');
  });

  it('requests a delivery once; a redelivered source message records nothing', () => {
    given([]).when(request).then([requested]);
    given([requested]).when(request).then([]);
    given([requested, sent(1)])
      .when(request)
      .then([]);
  });

  it('records the first send as attempt 1 and then never sends again', () => {
    given([requested])
      .when(send)
      .then([sent(1)]);
    given([requested, sent(1)])
      .when(send)
      .thenThrows(IllegalStateError, 'already sent');
    given([requested, sent(1)])
      .when(fail())
      .thenThrows(IllegalStateError, 'already sent');
    expect(isOpen(fold(deliveryDecider, [requested, sent(1)]))).toBe(false);
  });

  it('refuses to record an outcome for a delivery never requested', () => {
    given([]).when(send).thenThrows(IllegalStateError, 'never requested');
  });

  it('schedules retries with a doubling backoff ceiling, then counts the later send', () => {
    given([requested])
      .when(fail())
      .then([failed(1), retry(2, 1_000)]);
    given([requested, failed(1), retry(2, 1_000)])
      .when(fail())
      .then([failed(2), retry(3, 2_000)]);
    given([requested, failed(1), retry(2, 1_000)])
      .when(send)
      .then([sent(2)]);
  });

  it('claims an attempt for a lease; another claim waits until the lease ran out', () => {
    const claim: DeliveryCommand = { type: 'ClaimAttempt', data: { leaseMs: 15_000 } };
    const claimed: DeliveryEvent = {
      type: 'DeliveryClaimed',
      data: { attempt: 1, claimedUntil: '2026-11-23T10:00:15.000Z', claimedAt: at },
    };
    given([requested]).when(claim).then([claimed]);
    given([requested, claimed]).when(claim).thenThrows(IllegalStateError, 'another worker');
    const state = fold(deliveryDecider, [requested, claimed]);
    expect(claimRemainingMs(state, now)).toBe(15_000);
    expect(claimRemainingMs(state, new Date('2026-11-23T10:00:16.000Z'))).toBe(0);
    // An outcome ends the claim: the retry after a failure is claimed at once, as attempt 2.
    const afterFailure = fold(deliveryDecider, [requested, claimed, failed(1), retry(2, 1_000)]);
    expect(claimRemainingMs(afterFailure, now)).toBe(0);
    given([requested, claimed, failed(1), retry(2, 1_000)])
      .when(claim)
      .then([{ ...claimed, data: { ...claimed.data, attempt: 2 } }]);
    given([requested, claimed, sent(1)])
      .when(claim)
      .thenThrows(IllegalStateError, 'already sent');
  });

  it('caps the backoff', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryBackoffMs(n, 1_000, 5_000))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it('dead-letters after the last allowed attempt, and a dead letter is final', () => {
    const history = [requested, failed(1), retry(2, 1_000), failed(2), retry(3, 2_000)];
    given(history)
      .when(fail())
      .then([
        failed(3),
        {
          type: 'DeliveryDeadLettered',
          data: { attempts: 3, reason: 'gave up after 3 attempts: 451 try later', deadLetteredAt: at },
        },
      ]);
    const dead = [
      ...history,
      failed(3),
      {
        type: 'DeliveryDeadLettered',
        data: { attempts: 3, reason: 'x', deadLetteredAt: at },
      } as DeliveryEvent,
    ];
    given(dead).when(send).thenThrows(IllegalStateError, 'already deadLettered');
    expect(fold(deliveryDecider, dead)).toMatchObject({ status: 'deadLettered', attempts: 3 });
  });

  it('dead-letters a permanent failure at once', () => {
    given([requested])
      .when(fail(true))
      .then([
        failed(1, true),
        {
          type: 'DeliveryDeadLettered',
          data: { attempts: 1, reason: 'permanent failure: 451 try later', deadLetteredAt: at },
        },
      ]);
  });

  it('bounds the stored error text', () => {
    const [event] = deliveryDecider.decide(
      { type: 'RecordFailure', data: { error: 'x'.repeat(2_000), permanent: false } },
      fold(deliveryDecider, [requested]),
      ctx,
    );
    expect(event).toMatchObject({ data: { error: 'x'.repeat(500) } });
  });
});
