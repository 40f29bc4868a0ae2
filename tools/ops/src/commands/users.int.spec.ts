import { randomUUID } from 'node:crypto';
import { startTestNats, type TestNats } from '@ledgerline/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/runCli.test-helpers.js';

// The only test file that answers identity.cmd.BootstrapAdmin; on the shared server it would
// still answer only requests for its own e-mails.
const SUBJECT = 'identity.cmd.BootstrapAdmin';
const suffix = randomUUID().slice(0, 8);
const newAdmin = `admin-${suffix}@example.com`;
const existingAdmin = `existing-${suffix}@example.com`;
const weakAdmin = `weak-${suffix}@example.com`;
const userId = randomUUID();

let nats: TestNats;
let nc: NatsConnection;
const received: { body: { email: string; password: string; displayName: string }; actor: unknown }[] = [];

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
  nc.subscribe(SUBJECT, {
    callback: (_error, msg) => {
      const body = msg.json<{ email: string; password: string; displayName: string }>();
      if (![newAdmin, existingAdmin, weakAdmin].includes(body.email)) return;
      received.push({ body, actor: JSON.parse(msg.headers?.get('ll-actor') ?? 'null') });
      const reply =
        body.email === weakAdmin
          ? { ok: false, error: { code: 'VALIDATION', message: 'password is too short' } }
          : { ok: true, data: { userId, created: body.email === newAdmin } };
      msg.respond(JSON.stringify(reply));
    },
  });
  await nc.flush();
});
afterAll(async () => {
  await nc.drain();
  await nats.stop();
});

const createAdmin = (email: string, password: string, ...more: string[]) =>
  runCli(['users', 'create-admin', '--email', email, '--nats-url', nats.url, ...more], {
    input: `${password}\n`,
  });

describe('ledgerline users create-admin', () => {
  it('sends BootstrapAdmin as the ops CLI with the password from stdin', async () => {
    const [created, existing] = await Promise.all([
      createAdmin(newAdmin, 'correct horse battery', '--password-stdin', '--display-name', 'Root'),
      createAdmin(existingAdmin, 'another long password'),
    ]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(`created administrator ${newAdmin}: user id ${userId}\n`);
    expect(existing.stdout).toBe(`administrator ${existingAdmin} already exists: user id ${userId}\n`);
    const first = received.find((r) => r.body.email === newAdmin);
    expect(first).toEqual({
      body: { email: newAdmin, password: 'correct horse battery', displayName: 'Root' },
      actor: { type: 'system', id: 'ops-cli' },
    });
    expect(received.find((r) => r.body.email === existingAdmin)?.body.displayName).toBe('Administrator');
  });

  it('prints identity refusals and a missing service as one-line errors', async () => {
    const [weak, unanswered] = await Promise.all([
      createAdmin(weakAdmin, 'x'),
      createAdmin(`nobody-${suffix}@example.com`, 'long enough password', '--timeout', '3000'),
    ]);
    expect([weak.code, weak.stderr]).toEqual([1, 'ledgerline: VALIDATION: password is too short\n']);
    expect(unanswered.code).toBe(1);
    // A private server has no identity: "no responders"; the shared one may time out instead.
    expect(unanswered.stderr).toMatch(/^ledgerline: (identity is not running: nobody answers|TIMEOUT)/);
  });

  it('fails clearly when NATS is unreachable or stdin is empty', async () => {
    const [down, empty] = await Promise.all([
      runCli(['users', 'create-admin', '--email', newAdmin, '--nats-url', 'nats://127.0.0.1:1'], {
        input: 'pw\n',
      }),
      runCli(['users', 'create-admin', '--email', newAdmin, '--nats-url', nats.url], { input: '' }),
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^ledgerline: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1\/?: .+\n$/);
    expect([empty.code, empty.stderr]).toEqual([1, 'ledgerline: no password on stdin\n']);
  });
});
