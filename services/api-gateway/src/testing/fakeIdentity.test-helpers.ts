import {
  fail,
  healthQuery,
  identityCommands,
  identityQueries,
  type MessageMeta,
  ok,
  parseRequest,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  registerUserCommand,
} from '@ledgerline/contracts';
import { metaFromNatsHeaders, type NatsConnection } from '@ledgerline/platform';
import type { Subscription } from '@nats-io/transport-node';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';

type Handler = (payload: unknown, meta: MessageMeta) => unknown | Promise<unknown>;

/** One request the fake received, parsed with its contract. */
export interface Received {
  readonly subject: string;
  readonly payload: unknown;
  readonly meta: MessageMeta;
}

const CONTRACTS = new Map<string, RequestContract>(
  [registerUserCommand, ...identityCommands, ...identityQueries, healthQuery('identity')].map((c) => [
    c.subject,
    c,
  ]),
);

/**
 * Identity as the gateway sees it, answering on a test's NATS: every request is parsed with its
 * contract and every reply checked against the contract's reply schema, so the gateway is tested
 * against contract-valid messages only. Handlers throw AppErrors to send failed replies.
 */
export class FakeIdentity {
  readonly received: Received[] = [];
  private readonly handlers = new Map<string, Handler>();
  private subscription: Subscription | undefined;

  constructor(private readonly nc: NatsConnection) {
    this.on(healthQuery('identity'), () => ({ service: 'identity', status: 'ok' as const, checks: {} }));
  }

  /** Answers `contract` with `handler` (replacing any previous one). */
  on<C extends RequestContract>(
    contract: C,
    handler: (payload: RequestOf<C>, meta: MessageMeta) => ReplyDataOf<C> | Promise<ReplyDataOf<C>>,
  ): this {
    this.handlers.set(contract.subject, handler as Handler);
    return this;
  }

  /** Requests received on `contract`'s subject. */
  calls<C extends RequestContract>(contract: C): { payload: RequestOf<C>; meta: MessageMeta }[] {
    return this.received
      .filter((r) => r.subject === contract.subject)
      .map((r) => ({ payload: r.payload as RequestOf<C>, meta: r.meta }));
  }

  start(): this {
    this.subscription = this.nc.subscribe('identity.>', {
      callback: (_err, msg) => {
        void this.answer(
          msg.subject,
          msg.data.length ? msg.json() : {},
          metaFromNatsHeaders(msg.headers),
        ).then((reply) => msg.respond(JSON.stringify(reply)));
      },
    });
    return this;
  }

  /** Stops answering (requests then get "no responders"). */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    await this.nc.flush();
  }

  private async answer(subject: string, raw: unknown, meta: MessageMeta): Promise<unknown> {
    const contract = CONTRACTS.get(subject);
    const handler = this.handlers.get(subject);
    if (!contract || !handler) return fail(new Error(`fake identity: no handler for ${subject}`));
    try {
      const payload = parseRequest(contract, raw);
      this.received.push({ subject, payload, meta });
      const data = await handler(payload, meta);
      return contract.replyEnvelope.parse(ok(data));
    } catch (error) {
      return fail(error);
    }
  }
}

/** An Ed25519 signing key as identity holds one, with its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
}

/** A fresh Ed25519 key pair. */
export async function testKey(kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const { x } = await exportJWK(publicKey);
  return { kid, privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x: x!, kid, alg: 'EdDSA', use: 'sig' } };
}

export interface TokenClaims {
  sub: string;
  sid: string;
  roles?: string[];
  tier?: string;
  mfa?: boolean;
  email_verified?: boolean;
}

/** Signs an access token the way identity does (overridable iss/aud/exp for negative tests). */
export function signAccessToken(
  key: TestKey,
  claims: TokenClaims,
  options: { issuer?: string; audience?: string; expiresIn?: string | number; kid?: string } = {},
): Promise<string> {
  return new SignJWT({ roles: ['user'], tier: 'free', mfa: false, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? key.kid })
    .setIssuer(options.issuer ?? 'ledgerline-identity')
    .setAudience(options.audience ?? 'ledgerline')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '15m')
    .sign(key.privateKey);
}
