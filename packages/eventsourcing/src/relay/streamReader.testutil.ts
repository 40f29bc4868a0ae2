import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { EVENTS_STREAM } from './eventsStream.js';

/** Test helper: every message stored on `filterSubject` in EVENTS, in stream order. */
export async function readSubject(js: JetStreamClient, jsm: JetStreamManager, filterSubject: string) {
  const info = await jsm.consumers.add(EVENTS_STREAM, {
    filter_subject: filterSubject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: nanos(30_000),
  });
  try {
    const messages: JsMsg[] = [];
    const consumer = await js.consumers.get(EVENTS_STREAM, info.name);
    while (messages.length < info.num_pending) {
      const batch = await consumer.fetch({ max_messages: info.num_pending - messages.length, expires: 2000 });
      const before = messages.length;
      for await (const msg of batch) messages.push(msg);
      if (messages.length === before) break;
    }
    return messages;
  } finally {
    await jsm.consumers.delete(EVENTS_STREAM, info.name).catch(() => undefined);
  }
}

/** Test helper: how many messages EVENTS holds on subjects matching `filterSubject`. */
export async function countSubject(jsm: JetStreamManager, filterSubject: string): Promise<number> {
  const info = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: filterSubject });
  return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
}
