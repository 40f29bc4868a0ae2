import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema, loadConfig } from '../config/loadConfig.js';
import { CoalescingTransport } from './coalescingTransport.js';
import { closeNats, connectNats, type NatsConnection } from './connection.js';

const { NATS_URL } = loadConfig(baseConfigSchema);
const subject = `coalesce.${randomBytes(4).toString('hex')}`;

/** The connection's socket, with a count of the writes that reach it (one per write syscall). */
function countWrites(nc: NatsConnection): { transport: unknown; writes: () => number } {
  const transport = (nc as unknown as { protocol: { transport: CoalescingTransport } }).protocol.transport;
  const socket = transport.socket as Socket & { _writeGeneric: (...args: unknown[]) => unknown };
  let writes = 0;
  const original = socket._writeGeneric.bind(socket);
  socket._writeGeneric = (...args: unknown[]) => {
    writes++;
    return original(...args);
  };
  return { transport, writes: () => writes };
}

describe('connectNats (coalescing writes)', () => {
  let publisher: NatsConnection;
  let subscriber: NatsConnection;
  beforeAll(async () => {
    publisher = await connectNats({ servers: NATS_URL, name: 'coalescing-publisher' });
    subscriber = await connectNats({ servers: NATS_URL, name: 'coalescing-subscriber' });
  });
  afterAll(async () => {
    await closeNats(publisher);
    await closeNats(subscriber);
  });

  it('sends what the callbacks of one event-loop turn publish in one write, in order', async () => {
    const received: string[] = [];
    const sub = subscriber.subscribe(subject, {
      max: 20,
      callback: (_, msg) => {
        received.push(msg.string());
      },
    });
    await subscriber.flush();
    const { transport, writes } = countWrites(publisher);
    expect(transport).toBeInstanceOf(CoalescingTransport);
    // Twenty callbacks of one timers phase, each publishing (as twenty HTTP requests read together would).
    await new Promise<void>((resolve) => {
      for (let n = 0; n < 20; n++) {
        setTimeout(() => {
          publisher.publish(subject, `m${n}`);
          if (n === 19) setImmediate(resolve);
        }, 0);
      }
    });
    await publisher.flush();
    await sub.closed;
    expect(received).toEqual(Array.from({ length: 20 }, (_, n) => `m${n}`));
    // One write for the twenty (without the transport: twenty), one for the flush's PING.
    expect(writes()).toBeLessThanOrEqual(2);
  });

  it('still answers requests and flushes at once when idle', async () => {
    const echo = subscriber.subscribe(`${subject}.echo`, {
      callback: (_, msg) => {
        msg.respond(msg.data);
      },
    });
    await subscriber.flush();
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, n) => publisher.request(`${subject}.echo`, `r${n}`, { timeout: 5_000 })),
    );
    expect(replies.map((r) => r.string())).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    echo.unsubscribe();
  });
});
