import { PassThrough } from 'node:stream';
import {
  type AllStreamResolvedEvent,
  type AppendStreamState,
  BACKWARDS,
  END,
  ErrorType,
  type EventData,
  type Filter,
  type KurrentDBClient,
  NO_STREAM,
  type ReadPosition,
  type ReadRevision,
  START,
  STREAM_EXISTS,
} from '@kurrent/kurrentdb-client';

type Stored = NonNullable<AllStreamResolvedEvent['event']> & {
  position: { commit: bigint; prepare: bigint };
};

/**
 * An in-memory stand-in for the parts of KurrentDBClient the adapter uses, modelled on the
 * documented server behaviour: appends are atomic per stream, revisions start at 0, reading $all
 * from a position includes the event there, a catch-up subscription starts after it, a read of a
 * stream never written fails with stream-not-found. It checks the adapter's own logic; it is
 * not evidence about the real server.
 */
export class FakeKurrentClient {
  private readonly log: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly live = new Set<{ out: PassThrough; after: bigint; filter?: RegExp }>();
  private nextPosition = 1000n;

  asClient(): KurrentDBClient {
    return this as unknown as KurrentDBClient;
  }

  async appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options: { streamState?: AppendStreamState },
  ) {
    await new Promise((resolve) => setImmediate(resolve));
    const stream = this.streams.get(streamName) ?? [];
    const state = options.streamState ?? 'any';
    const current = stream.length === 0 ? NO_STREAM : BigInt(stream.length - 1);
    const ok =
      state === 'any' ||
      (state === NO_STREAM && stream.length === 0) ||
      (state === STREAM_EXISTS && stream.length > 0) ||
      (typeof state === 'bigint' && state === current);
    if (!ok) {
      throw Object.assign(new Error(`wrong expected version on ${streamName}`), {
        type: ErrorType.WRONG_EXPECTED_VERSION,
        streamName,
        expectedState: state,
        actualState: current,
      });
    }
    for (const event of Array.isArray(events) ? events : [events]) {
      this.nextPosition += 64n;
      const stored = {
        streamId: streamName,
        id: event.id,
        isJson: true,
        revision: BigInt(stream.length),
        type: event.type,
        created: new Date(),
        data: JSON.parse(JSON.stringify(event.data)),
        metadata: event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata)),
        position: { commit: this.nextPosition, prepare: this.nextPosition },
      } as Stored;
      stream.push(stored);
      this.log.push(stored);
      for (const sub of this.live)
        if (!sub.filter || sub.filter.test(streamName)) sub.out.write(resolve(stored));
    }
    this.streams.set(streamName, stream);
    return {
      success: true,
      nextExpectedRevision: BigInt(stream.length - 1),
      position: stream.at(-1)!.position,
    };
  }

  async *readStream(
    streamName: string,
    options: { fromRevision?: ReadRevision; maxCount?: number | bigint; direction?: string } = {},
  ) {
    await Promise.resolve();
    const stream = this.streams.get(streamName);
    if (!stream)
      throw Object.assign(new Error(`${streamName} not found`), { type: ErrorType.STREAM_NOT_FOUND });
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const backwards = options.direction === BACKWARDS;
    const from = options.fromRevision ?? (backwards ? END : START);
    const start = from === START ? 0 : from === END ? stream.length - 1 : Number(from);
    const selected = backwards ? stream.slice(0, start + 1).reverse() : stream.slice(start);
    for (const event of selected.slice(0, max)) yield resolve(event);
  }

  async *readAll(options: { fromPosition?: ReadPosition; maxCount?: number | bigint; filter?: Filter } = {}) {
    await Promise.resolve();
    const from = options.fromPosition ?? START;
    const min = from === START ? 0n : from === END ? this.nextPosition + 1n : from.commit;
    const filter = regexOf(options.filter);
    const matching = this.log.filter((e) => e.position.commit >= min && (!filter || filter.test(e.streamId)));
    for (const event of matching.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)))
      yield resolve(event);
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}) {
    const from = options.fromPosition ?? START;
    const after = from === START ? -1n : from === END ? this.nextPosition : from.commit;
    const sub = { out: new PassThrough({ objectMode: true }), after, filter: regexOf(options.filter) };
    for (const event of this.log) {
      if (event.position.commit > after && (!sub.filter || sub.filter.test(event.streamId)))
        sub.out.write(resolve(event));
    }
    this.live.add(sub);
    return Object.assign(sub.out, {
      unsubscribe: async () => {
        this.live.delete(sub);
      },
    });
  }

  async dispose(): Promise<void> {
    for (const sub of this.live) sub.out.end();
    this.live.clear();
  }
}

const resolve = (event: Stored): AllStreamResolvedEvent => ({ event, commitPosition: event.position.commit });

const regexOf = (filter: Filter | undefined): RegExp | undefined =>
  filter && 'regex' in filter ? new RegExp(filter.regex) : undefined;
