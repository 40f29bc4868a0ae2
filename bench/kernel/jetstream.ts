import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NATS_URL } from './context.js';

/** A bench-only stream `BENCH_<tag>` on `bench.<tag>.>`, deleted by close(). */
export interface BenchStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  name: string;
  subjectPrefix: string;
  serverVersion: string;
  close(): Promise<void>;
}

export async function openBenchStream(tag: string): Promise<BenchStream> {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const name = `BENCH_${tag}`;
  const subjectPrefix = `bench.${tag}`;
  // Same storage and dedup window as the shared EVENTS stream, so the baseline does the same work.
  await jsm.streams.add({
    name,
    subjects: [`${subjectPrefix}.>`],
    storage: 'file',
    duplicate_window: 120_000_000_000,
  });
  return {
    nc,
    js: jetstream(nc),
    jsm,
    name,
    subjectPrefix,
    serverVersion: nc.info?.version ?? 'unknown',
    async close() {
      await jsm.streams.delete(name).catch(() => false);
      await nc.drain();
    },
  };
}

/** Drops what a bench service's relay published into the shared EVENTS stream (its subjects only). */
export async function purgeServiceSubjects(jsm: JetStreamManager, service: string): Promise<number> {
  const { purged } = await jsm.streams.purge('EVENTS', { filter: `evt.${service}.>` });
  return purged;
}
