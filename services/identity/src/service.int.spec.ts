import { randomBytes } from 'node:crypto';
import {
  type AppError,
  getMeQuery,
  healthQuery,
  loginCommand,
  parseEventEnvelope,
  registerUserCommand,
  requestPasswordResetCommand,
  requestSignInCodeCommand,
  userRegisteredEvent,
} from '@ledgerline/contracts';
import { quoteIdent, schemasOf } from '@ledgerline/eventsourcing';
import {
  closeNats,
  connectNats,
  createLogger,
  type NatsConnection,
  natsRequest,
  type RunningService,
  startService,
} from '@ledgerline/platform';
import { dropServiceSchemas, infrastructure, testPool } from '@ledgerline/testing';
import { AckPolicy, type Consumer, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAccountCommand } from './accounts/accountsDeps.js';
import { accounts } from './accounts/feature.js';
import identity, { type IdentityContext } from './service.js';

// The one test file that boots identity on real NATS (subjects are fixed, so two such files would
// answer each other's requests). Everything else tests the use cases directly. The argon2
// parameters are the production ones: the timing and overload tests are about their cost.
const SCHEMA = `identity-t${randomBytes(4).toString('hex')}`;
let service: RunningService<IdentityContext>;
let client: NatsConnection;
let consumer: Consumer;
let consumerName: string;

beforeAll(async () => {
  const infra = await infrastructure();
  service = await startService(identity, {
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: infra.databaseUrl,
      NATS_URL: infra.natsUrl,
      REDIS_URL: infra.redisUrl,
      SERVICE_SCHEMA: SCHEMA,
    },
    logger: createLogger({ service: 'identity', level: 'silent' }),
    handleSignals: false,
  });
  client = await connectNats({ servers: infra.natsUrl, name: `${SCHEMA}-client` });
  // Only events published from now on: the shared EVENTS stream holds other runs' events too.
  const jsm = await jetstreamManager(client);
  const info = await jsm.consumers.add('EVENTS', {
    filter_subject: userRegisteredEvent.subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.New,
    inactive_threshold: nanos(60_000),
  });
  consumerName = info.name;
  consumer = await jetstream(client).consumers.get('EVENTS', consumerName);
}, 60_000);

afterAll(async () => {
  await jetstreamManager(client)
    .then((jsm) => jsm.consumers.delete('EVENTS', consumerName))
    .catch(() => undefined);
  await service?.close();
  if (client) await closeNats(client);
  const pool = await testPool(1);
  await dropServiceSchemas(pool, SCHEMA);
  await pool.end();
});

const meta = {
  requestId: 'svc-req-1',
  correlationId: 'svc-corr-1',
  causationId: 'svc-req-1',
  actor: { type: 'anonymous' as const },
};
const run = randomBytes(3).toString('hex');
const PASSWORD = 'a service passphrase';

/** Accounts for the load tests, all with one password hash (computed once, not per account). */
async function seedAccounts(prefix: string, count: number): Promise<string[]> {
  const deps = service.depsOf(accounts);
  const passwordHash = await deps.passwords.hashPassword(PASSWORD);
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${i}-${run}@example.com`);
  for (let i = 0; i < emails.length; i += 20) {
    await Promise.all(
      emails.slice(i, i + 20).map((email) => {
        const userId = crypto.randomUUID();
        const data = { userId, email, displayName: prefix, locale: 'en', passwordHash };
        const verification = { tokenHash: randomBytes(32).toString('hex'), sealedToken: 'x' };
        return runAccountCommand(deps, userId, { type: 'RegisterUser', data: { ...data, verification } });
      }),
    );
  }
  return emails;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Resolves once the service is idle again after a sample: the work queued after the reply is done
 * and every log reader (relay, reactor) has passed the last event it appended.
 */
async function settle(): Promise<void> {
  await service.context.resources.afterReply.drain();
  const es = quoteIdent(schemasOf(SCHEMA).eventStore);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await service.context.pool.query<{ behind: boolean }>(
      `select exists (select 1 from ${es}.positions
         where global_position < (select coalesce(max(global_position), 0) from ${es}.events)) as behind`,
    );
    if (!rows[0]?.behind) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Reply times of `send` for addresses with and without an account, in pairs sent back to back (in
 * a random order within each pair), so that both kinds see the same load on this busy machine.
 * What a sample set off after its reply (the queued work, the relay and the reactor following the
 * log) is awaited before the next sample, untimed: it must not slow the next request of either kind.
 */
async function replyTimes(
  known: string[],
  unknown: string[],
  send: (email: string) => Promise<unknown>,
): Promise<{ known: number[]; unknown: number[] }> {
  const times = { known: [] as number[], unknown: [] as number[] };
  const sample = async (email: string, kind: 'known' | 'unknown') => {
    const started = performance.now();
    await send(email);
    times[kind].push(performance.now() - started);
    await settle();
  };
  for (let i = 0; i < Math.min(known.length, unknown.length); i++) {
    if (Math.random() < 0.5) {
      await sample(known[i]!, 'known');
      await sample(unknown[i]!, 'unknown');
    } else {
      await sample(unknown[i]!, 'unknown');
      await sample(known[i]!, 'known');
    }
  }
  return times;
}

const spread = (times: { known: number[]; unknown: number[] }): number => {
  const [a, b] = [median(times.known), median(times.unknown)];
  return Math.abs(a - b) / Math.min(a, b);
};

/**
 * Samples both kinds in rounds of pairs until their medians agree within 15 % or `rounds` are
 * spent, then asserts that they agree. A real difference (the 9.2 vs 5.5 ms the issue measured) does
 * not shrink with more samples; the noise of a loaded machine does.
 */
async function expectAlike(
  what: string,
  rounds: number,
  pairs: (round: number) => { known: string[]; unknown: string[] },
  send: (email: string) => Promise<unknown>,
): Promise<void> {
  const all = { known: [] as number[], unknown: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const { known, unknown } = pairs(round);
    const times = await replyTimes(known, unknown, send);
    all.known.push(...times.known);
    all.unknown.push(...times.unknown);
    if (spread(all) <= 0.15) break;
  }
  const q = (v: number[]) =>
    [0.1, 0.25, 0.5, 0.75, 0.9]
      .map((p) => [...v].sort((x, y) => x - y)[Math.floor(p * v.length)]!.toFixed(2))
      .join('/');
  console.info(
    `${what}: medians ${median(all.known).toFixed(2)} ms (account) vs ${median(all.unknown).toFixed(2)} ms ` +
      `(no account) over ${all.known.length} pairs; deciles ${q(all.known)} vs ${q(all.unknown)}`,
  );
  expect(spread(all)).toBeLessThanOrEqual(0.15);
}

describe('identity over NATS', () => {
  it('registers a user, serves GetMe, and relays UserRegistered to JetStream', async () => {
    const email = `svc-${randomBytes(4).toString('hex')}@example.com`;
    const { userId } = await natsRequest(
      client,
      registerUserCommand,
      { email, password: PASSWORD, displayName: 'Svc' },
      { meta, timeoutMs: 10_000 },
    );
    const me = await natsRequest(client, getMeQuery, { userId }, { meta });
    expect(me).toMatchObject({ id: userId, email, emailVerified: false, role: 'user' });

    const deadline = Date.now() + 20_000;
    let relayed: ReturnType<typeof parseEventEnvelope<typeof userRegisteredEvent>> | undefined;
    while (!relayed && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 50, expires: 1_000 });
      for await (const msg of batch) {
        const envelope = parseEventEnvelope(userRegisteredEvent, msg.json());
        if (envelope.data.userId === userId) relayed = envelope;
      }
    }
    expect(relayed?.data).toEqual({ userId, email, displayName: 'Svc', registeredAt: expect.any(String) });
    expect(relayed?.meta).toMatchObject({ correlationId: 'svc-corr-1' });
  });

  it('answers its Health query', async () => {
    const health = await natsRequest(client, healthQuery('identity'), {}, { meta });
    expect(health).toMatchObject({
      service: 'identity',
      status: 'ok',
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });
  });
});

describe('no account enumeration by timing (issue 8, items 10 and 11)', () => {
  const PAIRS = 100;
  const ROUNDS = 8;
  let known: string[];
  beforeAll(async () => {
    known = await seedAccounts('timing', PAIRS);
  }, 120_000);
  const nobody = (kind: string, round: number) =>
    Array.from({ length: PAIRS }, (_, i) => `${kind}-nobody-${round}-${i}-${run}@example.com`);
  // A throttled reply (the same for both kinds: the throttle counts addresses, not accounts) is a
  // reply too: its time counts like any other.
  const anyReply = (request: Promise<unknown>) => request.catch((error: AppError) => error.code);

  it('answers forgot-password alike for addresses with and without an account', async () => {
    const send = (email: string) =>
      anyReply(natsRequest(client, requestPasswordResetCommand, { email }, { meta, timeoutMs: 10_000 }));
    // Warm-up: the first requests pay for connections and JIT, for whichever kind comes first.
    for (const email of [known[0]!, 'warm-up@example.com', known[1]!, 'warm-up-2@example.com']) {
      await send(email);
    }
    const unknown = nobody('forgot', 0);
    await expectAlike('forgot-password', ROUNDS, () => ({ known, unknown }), send);
  }, 300_000);

  it('answers sign-in-code requests alike for addresses with and without an account', async () => {
    const send = (email: string) =>
      anyReply(
        natsRequest(client, requestSignInCodeCommand, { email, client: {} }, { meta, timeoutMs: 10_000 }),
      );
    for (const email of ['warm-up-3@example.com', 'warm-up-4@example.com']) await send(email);
    // The same addresses every round for both kinds: a repeated address meets the throttle (the
    // same for both), a fresh one does not, so reusing only one kind would compare unlike paths.
    const unknown = nobody('code', 0);
    await expectAlike('sign-in code', ROUNDS, () => ({ known, unknown }), send);
  }, 300_000);

  it('answers a registration alike (same status, body shape and time) for new and taken addresses', async () => {
    const shapes = new Set<string>();
    const send = async (email: string) => {
      const reply = await natsRequest(
        client,
        registerUserCommand,
        { email, password: PASSWORD, displayName: 'Timing' },
        { meta, timeoutMs: 20_000 },
      );
      shapes.add(Object.keys(reply).join());
    };
    const pairs = (round: number) => ({
      known: known.slice(0, 40),
      unknown: Array.from({ length: 40 }, (_, i) => `fresh-${round}-${i}-${run}@example.com`),
    });
    await expectAlike('registration', ROUNDS, pairs, send);
    expect([...shapes]).toEqual(['userId']);
  }, 300_000);
});

describe('a login storm is shed, not piled up (issue 8, item 4)', () => {
  it('400 concurrent logins: every reply before its deadline, no hash started after its deadline', async () => {
    const emails = await seedAccounts('storm', 400);
    const starts: Array<{ at: number; deadline: number | undefined }> = [];
    const stop = service.context.resources.passwords.observeStarts((start) => starts.push(start));
    // The gateway's default request timeout: the caller's deadline is 5 s after it sent the request.
    const timeoutMs = 5_000;
    const outcomes = await Promise.all(
      emails.map((email) =>
        natsRequest(
          client,
          loginCommand,
          { email, password: PASSWORD, client: {} },
          { meta, timeoutMs },
        ).then(
          (result) => result.status,
          (error: AppError) => error.code,
        ),
      ),
    ).finally(stop);
    const count = (code: string) => outcomes.filter((o) => o === code).length;
    console.info(
      `login storm: ${count('authenticated')} signed in, ${count('UNAVAILABLE')} shed (503), ` +
        `${count('TIMEOUT')} timed out; ${starts.length} hashes started`,
    );
    // A TIMEOUT is a reply that came after the caller's deadline (or never).
    expect(count('TIMEOUT')).toBe(0);
    expect(count('authenticated') + count('UNAVAILABLE')).toBe(400);
    expect(count('authenticated')).toBeGreaterThan(0);
    // Every hash carried its caller's deadline (the header travelled) and none started after it.
    expect(starts.every((s) => s.deadline !== undefined)).toBe(true);
    expect(starts.filter((s) => s.at >= s.deadline!)).toEqual([]);
  }, 180_000);
});
