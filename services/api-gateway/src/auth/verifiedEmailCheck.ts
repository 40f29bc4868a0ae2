import { ForbiddenError, getMeQuery } from '@ledgerline/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../http/requestState.js';
import { ServiceClient } from '../http/serviceClient.js';

const VERIFIED_TTL_MS = 60_000;

/**
 * "Requires a verified e-mail" for routes that opt in. The token's `email_verified` claim decides when
 * identity sets one; otherwise the profile is asked once and a positive answer remembered for a minute
 * (verification only ever turns on, so a cached "yes" cannot go stale in a harmful way).
 */
@Injectable()
export class VerifiedEmailCheck {
  private readonly verifiedUntil = new Map<string, number>();

  constructor(@Inject(ServiceClient) private readonly client: ServiceClient) {}

  /** Throws ForbiddenError unless the principal's e-mail is verified. */
  async assert(principal: Principal, request: FastifyRequest): Promise<void> {
    if (principal.emailVerified === true) return;
    if (principal.emailVerified === false) throw unverified();
    const until = this.verifiedUntil.get(principal.userId);
    if (until !== undefined && until > Date.now()) return;
    const profile = await this.client.send(getMeQuery, { userId: principal.userId }, request);
    if (!profile.emailVerified) throw unverified();
    if (this.verifiedUntil.size > 10_000) this.verifiedUntil.clear();
    this.verifiedUntil.set(principal.userId, Date.now() + VERIFIED_TTL_MS);
  }
}

const unverified = () =>
  new ForbiddenError('Verify your e-mail address first', { reason: 'email_unverified' });
