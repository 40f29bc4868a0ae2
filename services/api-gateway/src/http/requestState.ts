import type { Role, Tier } from '@ledgerline/contracts';
import type { RouteSpec } from './route.js';

/** The caller as the access token describes them. */
export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  readonly roles: readonly string[];
  readonly tier: Tier | string;
  readonly mfa: boolean;
  /** Present only when identity puts an `email_verified` claim in the token. */
  readonly emailVerified: boolean | undefined;
}

/** Per-request state the gateway's layers share, hung on the Fastify request as `gw`. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  spec: RouteSpec | undefined;
  principal: Principal | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    gw: RequestState;
  }
}

/** True when the principal holds the admin role. */
export const isAdmin = (principal: Principal | undefined): boolean =>
  principal?.roles.includes('admin' satisfies Role) === true;
