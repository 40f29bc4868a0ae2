import { defineCommand, IllegalStateError } from '@ledgerline/contracts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newRootMeta, runWithMessageContext } from '../context/messageContext.js';
import { handleMessage } from './handleMessage.js';
import { isDisposeOnly, ReplySerializer } from './replyCodec.js';

const rename = defineCommand({
  service: 'unit-test',
  name: 'Rename',
  request: z.object({ id: z.string(), name: z.string().min(1) }),
  reply: z.object({ id: z.string(), name: z.string() }),
});
const silent = pino({ level: 'silent' });

describe('handleMessage', () => {
  it('parses the request, runs the handler with the message meta and replies ok', async () => {
    const meta = newRootMeta({ type: 'user', id: 'u1' });
    const reply = await runWithMessageContext(meta, () =>
      handleMessage(rename, { id: '1', name: 'Ada' }, (req, m) => ({
        id: req.id,
        name: `${req.name} by ${m?.actor.id}`,
      })),
    );
    expect(reply).toEqual({ ok: true, data: { id: '1', name: 'Ada by u1' } });
  });

  it('replies UNAVAILABLE without calling the handler when the caller has already given up', async () => {
    let called = false;
    const reply = await runWithMessageContext(
      newRootMeta(),
      () =>
        handleMessage(rename, { id: '1', name: 'Ada' }, (req) => {
          called = true;
          return req;
        }),
      Date.now() - 1,
    );
    expect(called).toBe(false);
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });

  it('replies VALIDATION for bad input without calling the handler', async () => {
    let called = false;
    const reply = await handleMessage(rename, { id: 1 }, () => {
      called = true;
      return { id: '1', name: 'x' };
    });
    expect(called).toBe(false);
    expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('keeps the code of AppErrors and hides unknown errors behind INTERNAL', async () => {
    const illegal = await handleMessage(rename, { id: '1', name: 'A' }, () => {
      throw new IllegalStateError('archived');
    });
    expect(illegal).toEqual({ ok: false, error: { code: 'ILLEGAL_STATE', message: 'archived' } });
    const bug = await handleMessage(
      rename,
      { id: '1', name: 'A' },
      () => {
        throw new Error('password=hunter2 in SQL');
      },
      silent,
    );
    expect(bug).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
  });

  it('replies UNAVAILABLE (503 at the gateway), not INTERNAL, when the database connection is lost', async () => {
    const lost = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' }),
      new Error('Connection terminated unexpectedly'),
    ];
    for (const error of lost) {
      const reply = await handleMessage(
        rename,
        { id: '1', name: 'A' },
        () => {
          throw error;
        },
        silent,
      );
      expect(reply, error.message).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    }
  });

  it('strips reply fields the contract does not declare', async () => {
    const reply = await handleMessage(rename, { id: '1', name: 'A' }, (req) => ({ ...req, secret: 's' }));
    expect(reply).toEqual({ ok: true, data: { id: '1', name: 'A' } });
  });
});

describe('ReplySerializer', () => {
  const serialize = (packet: object) => JSON.parse(new ReplySerializer().serialize(packet as never).data);

  it('passes replies through, wraps bare data and maps Nest errors', () => {
    expect(serialize({ id: 'x', response: { ok: true, data: 1 } })).toEqual({ ok: true, data: 1 });
    expect(serialize({ id: 'x', response: { n: 1 } })).toEqual({ ok: true, data: { n: 1 } });
    expect(serialize({ id: 'x', err: { code: 'NOT_FOUND', message: 'gone' } })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'gone' },
    });
    expect(serialize({ id: 'x', err: 'There is no matching message handler' }).error.code).toBe('INTERNAL');
    expect(isDisposeOnly({ id: 'x', isDisposed: true } as never)).toBe(true);
    expect(isDisposeOnly({ id: 'x', response: 1, isDisposed: true } as never)).toBe(false);
  });
});
