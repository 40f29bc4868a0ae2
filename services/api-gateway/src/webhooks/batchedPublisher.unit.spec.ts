import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { batchedPublisher } from './batchedPublisher.js';

/** A JetStream client that records when each publish was called and answers as told. */
function fakeJetStream(answer: (subject: string) => Promise<PubAck>) {
  const calls: Array<{ subject: string; tick: number }> = [];
  let tick = 0;
  const js = {
    publish: (subject: string) => {
      calls.push({ subject, tick });
      return answer(subject);
    },
  } as unknown as JetStreamClient;
  return { js, calls, nextTick: () => tick++ };
}

const ack = (seq: number): PubAck => ({ stream: 'EXTERNAL', seq, duplicate: false, domain: '' }) as PubAck;
const bytes = new TextEncoder().encode('{}');

describe('batchedPublisher', () => {
  it('sends the publishes of one turn together, after the turn, each caller getting its own ack', async () => {
    let seq = 0;
    const fake = fakeJetStream(async () => ack(++seq));
    const publish = batchedPublisher(fake.js);
    const first = publish('ext.stripe.a', bytes, { msgID: 'evt_1' });
    const second = publish('ext.stripe.b', bytes, { msgID: 'evt_2' });
    // Nothing is sent during the turn that asked.
    expect(fake.calls).toEqual([]);
    fake.nextTick();
    expect((await first).seq).toBe(1);
    expect((await second).seq).toBe(2);
    expect(fake.calls).toEqual([
      { subject: 'ext.stripe.a', tick: 1 },
      { subject: 'ext.stripe.b', tick: 1 },
    ]);
    // A later turn is a new batch.
    await publish('ext.stripe.c', bytes, { msgID: 'evt_3' });
    expect(fake.calls).toHaveLength(3);
  });

  it('rejects only the caller whose publish failed (NATS down → that delivery gets its 503)', async () => {
    const fake = fakeJetStream(async (subject) => {
      if (subject.endsWith('bad')) throw new Error('no responders');
      return ack(1);
    });
    const publish = batchedPublisher(fake.js);
    const good = publish('ext.stripe.good', bytes, {});
    const bad = publish('ext.stripe.bad', bytes, {});
    await expect(bad).rejects.toThrow('no responders');
    await expect(good).resolves.toMatchObject({ seq: 1 });
  });
});
