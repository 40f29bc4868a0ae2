import { randomBytes } from 'node:crypto';
import { defineQuery, HEADER, TimeoutError, UnavailableError, ValidationError } from '@ledgerline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../config/loadConfig.js';
import { newRootMeta, runWithMessageContext } from '../context/messageContext.js';
import { closeNats, connectNats, type NatsConnection } from './connection.js';
import { metaFromNatsHeaders } from './headers.js';
import { natsRequest } from './request.js';

const { NATS_URL } = loadConfig(baseConfigSchema);
const service = `reqtest-${randomBytes(4).toString('hex')}`;
const lookup = defineQuery({
  service,
  name: 'Lookup',
  request: z.object({ key: z.string() }),
  reply: z.object({ value: z.string() }),
});

describe('natsRequest', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connectNats({ servers: NATS_URL, name: 'platform-request-test' });
  });
  afterAll(() => closeNats(nc));

  it('throws UnavailableError when nobody listens', async () => {
    await expect(natsRequest(nc, lookup, { key: 'a' }, { timeoutMs: 2_000 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('throws TimeoutError when the responder is too slow', async () => {
    const sub = nc.subscribe(lookup.subject, {
      callback: (_err, msg) => {
        setTimeout(() => msg.respond(JSON.stringify({ ok: true, data: { value: 'x' } })), 500);
      },
    });
    try {
      await expect(natsRequest(nc, lookup, { key: 'a' }, { timeoutMs: 100 })).rejects.toBeInstanceOf(
        TimeoutError,
      );
    } finally {
      sub.unsubscribe();
    }
  });

  it("sends the caller's deadline, the sooner of its own timeout and the handled request's", async () => {
    const seen: number[] = [];
    const sub = nc.subscribe(lookup.subject, {
      callback: (_err, msg) => {
        seen.push(Number(msg.headers?.get(HEADER.deadline)));
        msg.respond(JSON.stringify({ ok: true, data: { value: 'x' } }));
      },
    });
    try {
      const before = Date.now();
      await natsRequest(nc, lookup, { key: 'a' }, { timeoutMs: 60_000 });
      expect(seen[0]).toBeGreaterThanOrEqual(before + 60_000);
      const handled = before + 30_000;
      await runWithMessageContext(
        newRootMeta(),
        () => natsRequest(nc, lookup, { key: 'b' }, { timeoutMs: 60_000 }),
        handled,
      );
      expect(seen[1]).toBe(handled);
    } finally {
      sub.unsubscribe();
    }
  });

  it('returns parsed data, sends metadata headers, and rethrows failed replies as AppErrors', async () => {
    const sub = nc.subscribe(lookup.subject, {
      callback: (_err, msg) => {
        const { key } = msg.json<{ key: string }>();
        const meta = metaFromNatsHeaders(msg.headers);
        const reply =
          key === 'missing'
            ? { ok: false, error: { code: 'VALIDATION', message: 'no such key' } }
            : { ok: true, data: { value: `${key}:${meta.actor.type}` } };
        msg.respond(JSON.stringify(reply));
      },
    });
    try {
      await expect(natsRequest(nc, lookup, { key: 'a' })).resolves.toEqual({ value: 'a:system' });
      await expect(natsRequest(nc, lookup, { key: 'missing' })).rejects.toBeInstanceOf(ValidationError);
      // The request itself is validated before anything is sent.
      await expect(natsRequest(nc, lookup, { key: 1 } as never)).rejects.toBeInstanceOf(ValidationError);
    } finally {
      sub.unsubscribe();
    }
  });
});
