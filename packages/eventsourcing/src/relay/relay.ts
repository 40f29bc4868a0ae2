import { eventSubject } from '@ledgerline/contracts';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { SpanKind } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { withClient } from '../postgres/connections.js';
import { type PostgresEventStore, readAllWith } from '../postgres/pgEventStore.js';
import { quoteIdent, schemasOf } from '../postgres/sql.js';
import { tryLockWorker, unlockWorker } from '../projections/locks.js';
import { sleep } from '../retry/backoff.js';
import { isAfter, type LogPosition, positionOf, type RecordedEvent, START } from '../store/types.js';
import { endWith, startSpan, traceFieldsOf, untraced } from '../tracing/tracing.js';
import { LeaderWorker, type WorkerState } from '../workers/leaderWorker.js';
import { relayHeaders, toWireEnvelope } from './envelope.js';
import { readPosition, writePosition } from './positions.js';

export type RelayState = WorkerState;

/**
 * Which events leave the service: a predicate, or the public types as a list (the relay then reads
 * no data of the other events: in the files service ~all of its log, each page carried every body).
 */
export type PublicEvents =
  | { isPublic: (eventType: string) => boolean; publicTypes?: undefined }
  | { publicTypes: readonly string[]; isPublic?: undefined };

export type EventRelayOptions = EventRelaySettings & PublicEvents;

interface EventRelaySettings {
  pool: Pool;
  /** The service whose log is relayed (its `<service>_es` schema). */
  service: string;
  /**
   * The `<service>` of `evt.<service>.<Type>` (default: `service`). Differs when one logical
   * service keeps its schemas under another name, as a test's unique schema does.
   */
  subjectService?: string;
  js: JetStreamClient;
  /** Wakes the relay on commit (LISTEN/NOTIFY); without it the relay polls. */
  store?: PostgresEventStore;
  /** Events read per batch (default 1000). */
  batchSize?: number;
  /** Publishes awaiting their ack at once (default 100). */
  maxInFlight?: number;
  pollIntervalMs?: number;
  standbyRetryMs?: number;
  onError?: (error: unknown) => void;
  /** Test seam: runs after a batch is acked by JetStream, before its checkpoint is written. */
  beforeCheckpoint?: (events: RecordedEvent[]) => Promise<void>;
}

const WORKER = 'relay';
const POSITION = 'relay';

/**
 * Publishes a service's public events to JetStream EVENTS, in log order, at least once: the
 * checkpoint is written after a whole batch is acked, so a crash republishes that batch and the
 * stream's `Nats-Msg-Id` dedup window drops the copies. One instance is active per service (a
 * session advisory lock); the others wait on standby.
 *
 * Order: publishes leave in log order on one connection, so JetStream stores them in that order.
 * Only a failed publish followed by a successful later one (in the same window) can reorder a
 * stream's events on retry; consumers that care compare `streamPosition`.
 */
export class EventRelay {
  private readonly worker: LeaderWorker;
  private readonly schema: string;
  private readonly eventsTable: string;
  private readonly isPublic: (eventType: string) => boolean;
  // Subject (or why there is none) per event type: bounded, types are few but come from the log.
  private readonly subjects = new LRUCache<string, string | Error>({ max: 1000 });
  private position: LogPosition | undefined;
  private prefetched: Promise<RecordedEvent[]> | undefined;

  constructor(private readonly options: EventRelayOptions) {
    const listed = new Set(options.publicTypes);
    this.isPublic = options.isPublic ?? ((type) => listed.has(type));
    this.schema = schemasOf(options.service).eventStore;
    this.eventsTable = `${quoteIdent(this.schema)}."events"`;
    this.worker = new LeaderWorker({
      pool: options.pool,
      service: options.service,
      worker: WORKER,
      work: (client, stopping) => this.relay(client, stopping),
      standbyRetryMs: options.standbyRetryMs,
      onError: options.onError,
    });
  }

  get status(): RelayState {
    return this.worker.status;
  }

  /** Starts the relay loop (standby until it holds the service's relay lock). */
  start(): void {
    this.worker.start();
  }

  /** Stops after the batch in flight; resolves when the loop has ended and the lock is released. */
  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /**
   * Relays everything committed before the call and returns how many events were published. Waits
   * (up to `timeoutMs`) while an older open transaction hides part of that log from readers.
   */
  async relayOnce(timeoutMs = 30_000): Promise<number> {
    return withClient(this.options.pool, async (client) => {
      if (!(await tryLockWorker(client, this.options.service, WORKER))) {
        throw new Error(`the relay of ${this.options.service} is active in another process`);
      }
      this.forgetPosition();
      try {
        return await this.drainTo(client, await this.head(client), Date.now() + timeoutMs);
      } finally {
        await unlockWorker(client, this.options.service, WORKER);
      }
    });
  }

  private async drainTo(client: PoolClient, head: LogPosition, deadline: number): Promise<number> {
    let published = 0;
    for (;;) {
      const batch = await this.relayBatch(client);
      published += batch.published;
      if (batch.read === this.batchSize) continue;
      if (!isAfter(head, await readPosition(client, this.schema, POSITION))) return published;
      if (Date.now() > deadline)
        throw new Error(`relay of ${this.options.service} did not reach the head in time`);
      await sleep(20);
    }
  }

  private async head(client: PoolClient): Promise<LogPosition> {
    const { rows } = await client.query<{ tx: string; global_position: string }>(
      `SELECT transaction_id::text AS tx, global_position FROM ${this.eventsTable}
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { transactionId: Number(row.tx), globalPosition: Number(row.global_position) } : START;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 1000;
  }

  private async relay(client: PoolClient, stopping: () => boolean): Promise<void> {
    this.forgetPosition();
    while (!stopping()) {
      // Polls and checkpoints are not traced (an idle relay exported a trace per poll); each
      // published event gets its own producer span in its appending request's trace.
      const { read } = await untraced(() => this.relayBatch(client));
      if (read < this.batchSize) await this.waitForAppend();
    }
  }

  private waitForAppend(): Promise<void> {
    const timeout = this.options.pollIntervalMs ?? 500;
    return this.options.store ? this.options.store.waitForAppend(timeout) : sleep(timeout);
  }

  /**
   * One batch: read after the checkpoint, publish the public events, await acks, checkpoint. A full
   * page prefetches the next one while its acks are outstanding. The position is kept in memory
   * while this process holds the relay lock and read again whenever the lock is (re)taken.
   */
  private async relayBatch(client: PoolClient): Promise<{ read: number; published: number }> {
    this.position ??= await readPosition(client, this.schema, POSITION);
    const events = await (this.prefetched ?? this.readPage(this.position));
    this.prefetched = undefined;
    if (events.length === 0) return { read: 0, published: 0 };
    const last = positionOf(events.at(-1)!);
    if (events.length === this.batchSize) this.prefetched = this.readPage(last);
    const published = await this.publishAll(events);
    await this.options.beforeCheckpoint?.(events);
    await writePosition(client, this.schema, POSITION, last);
    this.position = last;
    return { read: events.length, published };
  }

  private readPage(after: LogPosition): Promise<RecordedEvent[]> {
    const page = readAllWith(this.options.pool, this.eventsTable, this.schema, {
      after,
      maxCount: this.batchSize,
      ...(this.options.publicTypes ? { dataOf: this.options.publicTypes } : {}),
    });
    page.catch(() => undefined); // awaited by the next batch; never an unhandled rejection
    return page;
  }

  /** Forgets what this process knew while it held the lock (another instance may have moved on). */
  private forgetPosition(): void {
    this.position = undefined;
    this.prefetched = undefined;
  }

  private async publishAll(events: RecordedEvent[]): Promise<number> {
    const window: Promise<PubAck>[] = [];
    const maxInFlight = this.options.maxInFlight ?? 100;
    let published = 0;
    try {
      for (const event of events) {
        // Only public events leave the service; the others still advance the checkpoint.
        if (!this.isPublic(event.type)) continue;
        const subject = this.subjectOf(event.type);
        if (subject instanceof Error) {
          await this.park(event, subject);
          continue;
        }
        if (window.length >= maxInFlight) await window.shift();
        window.push(this.publish(subject, event));
        published++;
      }
      await Promise.all(window);
    } catch (error) {
      // Settle every pending publish before giving up, so none rejects unobserved.
      await Promise.allSettled(window);
      throw error;
    }
    return published;
  }

  private publish(subject: string, event: RecordedEvent): Promise<PubAck> {
    // One PRODUCER span per event, child of the handler that appended it, ended at the ack.
    const span = startSpan(`${subject} publish`, {
      kind: SpanKind.PRODUCER,
      parent: event.meta,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.message.id': event.id,
      },
    });
    const ack = endWith(
      span,
      this.options.js.publish(subject, JSON.stringify(toWireEnvelope(event)), {
        msgID: event.id,
        headers: relayHeaders(event, traceFieldsOf(span)),
      }),
    );
    // Observed here so a rejection while waiting on an older ack is not "unhandled"; awaited later.
    ack.catch(() => undefined);
    return ack;
  }

  private subjectOf(type: string): string | Error {
    let subject = this.subjects.get(type);
    if (subject === undefined) {
      try {
        subject = eventSubject(this.options.subjectService ?? this.options.service, type);
      } catch (error) {
        subject = error instanceof Error ? error : new Error(String(error));
      }
      this.subjects.set(type, subject);
    }
    return subject;
  }

  // A public event whose type cannot be a subject would block the relay for ever: park it.
  private async park(event: RecordedEvent, error: Error): Promise<void> {
    await parkDeadLetter(this.options.pool, this.options.service, {
      sourceKind: 'relay',
      sourceName: WORKER,
      messageId: event.id,
      messageType: event.type,
      globalPosition: event.globalPosition,
      payload: event,
      error,
      attempts: 1,
    });
  }
}
