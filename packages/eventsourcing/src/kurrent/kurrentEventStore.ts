import {
  BACKWARDS,
  END,
  KurrentDBClient,
  type ReadPosition,
  START,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { ConflictError, uuidv7 } from '@ledgerline/contracts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Reservation,
  SubscribeOptions,
  Subscription,
} from '../store/types.js';
import {
  commitPositionOf,
  INTERNAL_STREAM_PREFIX,
  isStreamNotFound,
  isWrongExpectedVersion,
  prepareEvent,
  revisionOfVersion,
  toConcurrencyError,
  toEventData,
  toPosition,
  toReadPosition,
  toRecordedEvent,
  toStreamState,
  versionOfRevision,
} from './kurrentMapping.js';
import { KurrentReservations } from './kurrentReservations.js';
import { kurrentSubscription } from './kurrentSubscription.js';

export interface KurrentEventStoreOptions {
  client: KurrentDBClient;
  /** Dispose the client on close (true when the store created it). */
  ownsClient?: boolean;
}

// Excludes system streams ($…) and the adapter's own streams on the server, before paging.
const userStreams = () => streamNameFilter({ regex: `^(?!\\$|${INTERNAL_STREAM_PREFIX})` });

/**
 * The KurrentDB (EventStoreDB) adapter of the event-store port (ARCHITECTURE.md, "Event store").
 * Positions: transactionId is always 0, globalPosition is the $all commit position.
 * Reservations are not atomic with the append (see KurrentReservations).
 */
export class KurrentEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly ownsClient: boolean;
  private readonly reservations: KurrentReservations;
  private readonly subscriptions = new Set<Subscription>();

  constructor(options: KurrentEventStoreOptions) {
    this.client = options.client;
    this.ownsClient = options.ownsClient ?? false;
    this.reservations = new KurrentReservations(this.client);
  }

  /** Connects with a connection string (`kurrentdb://host:2113?tls=false`); the store owns the client. */
  static connect(connectionString: string): KurrentEventStore {
    return new KurrentEventStore({
      client: KurrentDBClient.connectionString(connectionString),
      ownsClient: true,
    });
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new ConflictError('an append needs at least one event', { streamId });
    const claimed = options.reserve?.length ? await this.reservations.claim(streamId, options.reserve) : [];
    let result: AppendResult;
    try {
      result = await this.appendEvents(streamId, events, options);
    } catch (error) {
      await this.reservations.release(streamId, claimed).catch(() => undefined);
      throw error;
    }
    const release = withoutReserved(options.release ?? [], options.reserve ?? []);
    if (release.length) await this.reservations.release(streamId, release);
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const fromVersion = Math.max(options.fromVersion ?? 1, 1);
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        fromRevision: revisionOfVersion(fromVersion),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw error;
    }
    return events;
  }

  async streamVersion(streamId: string): Promise<number> {
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        if (resolved.event) return versionOfRevision(resolved.event.revision);
      }
      return 0;
    } catch (error) {
      if (isStreamNotFound(error)) return 0;
      throw error;
    }
  }

  /** Reads $all strictly after `after`, skipping system and internal streams, in commit order. */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    let last = BigInt(options.after?.globalPosition ?? 0);
    const events: RecordedEvent[] = [];
    // A page may hold the event at `after` itself (reads from a position include it) or hidden
    // events the server filter let through; page on until maxCount or the end of the log.
    while (events.length < maxCount) {
      const from: ReadPosition = last > 0n ? toPosition(Number(last)) : START;
      const pageSize = maxCount - events.length + 1;
      let seen = 0;
      let progressed = false;
      for await (const resolved of this.client.readAll({
        fromPosition: from,
        maxCount: pageSize,
        filter: userStreams(),
      })) {
        seen++;
        const commit = commitPositionOf(resolved);
        if (commit !== undefined && commit <= last) continue;
        if (commit !== undefined) last = commit;
        progressed = true;
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
        if (events.length === maxCount) break;
      }
      if (seen < pageSize || !progressed) break;
    }
    return events;
  }

  subscribe(options: SubscribeOptions): Subscription {
    const source = this.client.subscribeToAll({
      fromPosition: toReadPosition(options.after),
      filter: userStreams(),
    });
    const subscription = kurrentSubscription(source, options);
    this.subscriptions.add(subscription);
    return {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    if (this.ownsClient) await this.client.dispose();
  }

  private async appendEvents(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const prepared = events.map((event) => prepareEvent(event, uuidv7, options.meta));
    let nextRevision: bigint;
    try {
      const result = await this.client.appendToStream(streamId, prepared.map(toEventData), {
        streamState: toStreamState(options.expectedVersion),
      });
      nextRevision = result.nextExpectedRevision;
    } catch (error) {
      if (isWrongExpectedVersion(error)) {
        throw toConcurrencyError(streamId, options.expectedVersion, error.actualState);
      }
      throw error;
    }
    const firstVersion = versionOfRevision(nextRevision) - prepared.length + 1;
    // Read the events back for their commit positions and server timestamps.
    const stored = await this.readStream(streamId, { fromVersion: firstVersion, maxCount: prepared.length });
    const recorded = prepared.map((event, i): RecordedEvent => {
      const read = stored[i];
      return {
        ...event,
        streamId,
        streamPosition: firstVersion + i,
        transactionId: 0,
        globalPosition: read?.id === event.id ? read.globalPosition : 0,
        occurredAt: read?.id === event.id ? read.occurredAt : new Date().toISOString(),
      };
    });
    return { nextExpectedVersion: versionOfRevision(nextRevision), events: recorded };
  }
}

const withoutReserved = (release: Reservation[], reserve: Reservation[]): Reservation[] =>
  release.filter((r) => !reserve.some((k) => k.scope === r.scope && k.value === r.value));
