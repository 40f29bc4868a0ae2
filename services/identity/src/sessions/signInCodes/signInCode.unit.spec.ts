import { UnauthorizedError } from '@ledgerline/contracts';
import { deciderSpec } from '@ledgerline/eventsourcing';
import { describe, it } from 'vitest';
import { type SignInCodeEvent, signInCodeDecider } from './signInCode.js';

let now = new Date('2026-11-23T10:00:00.000Z');
const T0 = '2026-11-23T10:00:00.000Z';
const userId = '01900000-0000-7000-8000-000000000001';
const recipient = { userId, email: 'ada@example.com', displayName: 'Ada', locale: 'en' };
const given = deciderSpec(signInCodeDecider, () => ({ now, recipient, ttlSeconds: 600, maxAttempts: 5 }));
const at = (iso: string) => {
  now = new Date(iso);
  return iso;
};
const EXPIRES = '2026-11-23T10:10:00.000Z';
const issued: SignInCodeEvent[] = [
  { type: 'SignInCodeIssued', data: { userId, codeHash: 'good', expiresAt: EXPIRES, issuedAt: T0 } },
  { type: 'SignInCodeRequested', data: { ...recipient, sealedCode: 'sealed', expiresAt: EXPIRES } },
];
const failed = (time: string): SignInCodeEvent => ({
  type: 'SignInCodeAttemptFailed',
  data: { userId, failedAt: time },
});
const verify = (presentedHash: string) => ({ type: 'VerifySignInCode' as const, data: { presentedHash } });

describe('sign-in code', () => {
  it('is issued for 10 minutes, sealed in the public event, only its hash kept', () => {
    at(T0);
    given([])
      .when({ type: 'IssueSignInCode', data: { codeHash: 'good', sealedCode: 'sealed' } })
      .then(issued);
  });

  it('the right code signs in once', () => {
    const t = at('2026-11-23T10:05:00.000Z');
    given(issued)
      .when(verify('good'))
      .then([{ type: 'SignInCodeUsed', data: { userId, usedAt: t } }]);
    given([...issued, { type: 'SignInCodeUsed', data: { userId, usedAt: t } }])
      .when(verify('good'))
      .thenThrows(UnauthorizedError);
  });

  it('a wrong code is recorded as a failed attempt', () => {
    const t = at('2026-11-23T10:01:00.000Z');
    given(issued)
      .when(verify('bad'))
      .then([failed(t)]);
  });

  it('after 5 failed attempts even the right code is refused', () => {
    at('2026-11-23T10:02:00.000Z');
    const five = Array.from({ length: 5 }, () => failed('2026-11-23T10:01:00.000Z'));
    given([...issued, ...five.slice(0, 4)])
      .when(verify('good'))
      .then([{ type: 'SignInCodeUsed', data: { userId, usedAt: now.toISOString() } }]);
    given([...issued, ...five])
      .when(verify('good'))
      .thenThrows(UnauthorizedError);
  });

  it('expires after 10 minutes', () => {
    at(EXPIRES);
    given(issued).when(verify('good')).thenThrows(UnauthorizedError);
  });

  it('a new request replaces the previous code', () => {
    at('2026-11-23T10:03:00.000Z');
    const reissued: SignInCodeEvent = {
      type: 'SignInCodeIssued',
      data: { userId, codeHash: 'newer', expiresAt: '2026-11-23T10:13:00.000Z', issuedAt: now.toISOString() },
    };
    given([...issued, reissued])
      .when(verify('good'))
      .then([failed(now.toISOString())]);
  });

  it('without a code nothing can be verified', () => {
    given([]).when(verify('good')).thenThrows(UnauthorizedError);
  });
});
