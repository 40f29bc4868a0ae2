import { HEADER, type MessageMeta } from '@ledgerline/contracts';
import type { MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { OutgoingResponse } from '@nestjs/microservices';
import { type NatsContext, ServerNats } from '@nestjs/microservices';
import { context, type Span, SpanKind } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { newRootMeta, runWithMessageContext } from '../context/messageContext.js';
import { closeNats, connectNats } from '../nats/connection.js';
import { metaFromNatsHeaders } from '../nats/headers.js';
import { startConsumerSpan } from '../telemetry/spans.js';
import { isDisposeOnly, PlainJsonDeserializer, ReplySerializer } from './replyCodec.js';

export interface LedgerlineNatsServerOptions {
  readonly servers: string[];
  /** Service name: connection name and queue group, so instances share the work. */
  readonly name: string;
  readonly logger: Logger;
  /** How long close() waits for in-flight handlers before closing the connection anyway. */
  readonly drainTimeoutMs: number;
}

/**
 * Nest's NATS transport with Ledgerline's wire format, a message context and consumer span around
 * every handler, and a close() that stops intake, lets in-flight handlers reply, then drains.
 */
export class LedgerlineNatsServer extends ServerNats {
  private readonly subs: Subscription[] = [];
  private readonly spans = new WeakMap<NatsContext, Span>();
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly settings: LedgerlineNatsServerOptions) {
    super({
      servers: settings.servers,
      name: settings.name,
      queue: settings.name,
      serializer: new ReplySerializer(),
      deserializer: new PlainJsonDeserializer(),
    });
    this.setOnProcessingStartHook((_transport, ctx, done) => this.beginMessage(ctx as NatsContext, done));
    this.setOnProcessingEndHook((_transport, ctx) => this.endMessage(ctx as NatsContext));
  }

  /** The live connection; only valid after the app is listening. */
  get connection(): NatsConnection {
    return this.unwrap<NatsConnection>();
  }

  override async createNatsClient(): Promise<NatsConnection> {
    // Nest's status loop already logs connection changes through the pino adapter.
    return connectNats({ servers: this.settings.servers, name: this.settings.name });
  }

  // Record the subscriptions Nest creates so close() can drain exactly those first.
  override bindEvents(client: NatsConnection): void {
    const tracking = {
      subscribe: (subject: string, opts: Parameters<NatsConnection['subscribe']>[1]) => {
        const sub = client.subscribe(subject, opts);
        this.subs.push(sub);
        return sub;
      },
    };
    super.bindEvents(tracking);
  }

  // Nest JSON.parses every incoming subject first (for object patterns such as `{ cmd: 'x' }`); on
  // a plain subject that throws and builds a SyntaxError per message, twice per request, which
  // showed up in identity's profile. Only JSON-looking patterns take that path now.
  protected override getRouteFromPattern(pattern: string): string {
    return pattern.startsWith('{') || pattern.startsWith('[')
      ? super.getRouteFromPattern(pattern)
      : this.normalizePattern(pattern);
  }

  override getPublisher(
    natsMsg: unknown,
    id: string,
    ctx: NatsContext,
  ): (packet: OutgoingResponse) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx);
    return (packet) => (isDisposeOnly(packet) ? undefined : publish(packet));
  }

  override async close(): Promise<void> {
    let nc: NatsConnection | undefined;
    try {
      nc = this.connection;
    } catch {
      return; // never started
    }
    await Promise.allSettled(this.subs.splice(0).map((sub) => sub.drain()));
    await this.waitForIdle(this.settings.drainTimeoutMs);
    await closeNats(nc);
    await super.close();
  }

  // Nest calls the end hook once the reply stream settles, which may be after `done` resolves.
  private beginMessage(ctx: NatsContext, done: () => Promise<unknown> | unknown): Promise<unknown> {
    const subject = ctx.getSubject();
    const headers = ctx.getHeaders() as MsgHdrs | undefined;
    const attributes = { 'messaging.destination.name': subject };
    // SERVER: the request/reply counterpart of the caller's CLIENT span.
    const { span, context: spanContext } = startConsumerSpan(
      `${subject} process`,
      headers,
      attributes,
      SpanKind.SERVER,
    );
    this.spans.set(ctx, span);
    this.inFlight++;
    const meta = this.metaOf(headers, subject);
    const deadline = Number(headers?.get(HEADER.deadline) || Number.NaN);
    return context.with(spanContext, () =>
      runWithMessageContext(meta, () => this.handleLogged(subject, done), deadline),
    );
  }

  // One log line per command or query (ARCHITECTURE.md, "Logs"), inside the message context so it
  // carries the requestId, correlationId and traceId. Skipped cheaply when info is off.
  private async handleLogged(subject: string, done: () => Promise<unknown> | unknown): Promise<unknown> {
    const logger = this.settings.logger;
    if (!logger.isLevelEnabled('info')) return done();
    const started = performance.now();
    try {
      return await done();
    } finally {
      logger.info({ subject, ms: Math.round((performance.now() - started) * 100) / 100 }, 'message handled');
    }
  }

  private endMessage(ctx: NatsContext): void {
    this.spans.get(ctx)?.end();
    this.spans.delete(ctx);
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.idle?.();
  }

  // A request without valid metadata (a hand-typed `nats req`) still gets handled, as nobody in particular.
  private metaOf(headers: MsgHdrs | undefined, subject: string): MessageMeta {
    try {
      return metaFromNatsHeaders(headers);
    } catch (error) {
      this.settings.logger.debug({ err: error, subject }, 'message without valid metadata headers');
      return newRootMeta({ type: 'anonymous' });
    }
  }

  private async waitForIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Nest publishes replies on a later tick than the handler settles; let them go out.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
