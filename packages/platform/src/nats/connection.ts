import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { connectCoalescing } from './coalescingTransport.js';

export type { NatsConnection } from '@nats-io/transport-node';

export interface ConnectNatsOptions {
  readonly servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`); use the service name. */
  readonly name: string;
  readonly logger?: Logger;
  /** Keep retrying the first connect instead of failing; off so a misconfigured pod crash-loops visibly. */
  readonly waitOnFirstConnect?: boolean;
}

/** Connects to NATS with endless reconnects and logs every connection state change. */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const nc = await connectCoalescing({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    // By default nats.js builds two Error objects (RequestError, TimeoutError) per request just to
    // capture the caller's stack; that was ~4% of the gateway's CPU under load. Failures keep the
    // same error types (a timeout is still a TimeoutError), only without the extra async frames.
    noAsyncTraces: true,
  });
  if (options.logger) void logStatus(nc, options.logger.child({ component: 'nats' }));
  return nc;
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  logger.info({ server: nc.getServer() }, 'nats connected');
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        logger.warn({ server: status.server }, 'nats disconnected');
        break;
      case 'reconnecting':
        logger.debug('nats reconnecting');
        break;
      case 'reconnect':
        logger.info({ server: status.server }, 'nats reconnected');
        break;
      case 'error':
        logger.error({ err: status.error }, 'nats error');
        break;
      case 'ldm':
        logger.warn({ server: status.server }, 'nats server entering lame duck mode');
        break;
      default:
        break;
    }
  }
}

/**
 * Drains the connection: unsubscribes, lets delivered messages be processed, flushes pending
 * publishes, then closes. Safe to call on a connection that is already closing or closed.
 */
export async function closeNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  if (!nc.isDraining()) {
    try {
      await nc.drain();
      return;
    } catch {
      // Drain fails when the connection went away meanwhile; closing below still releases it.
    }
  }
  await nc.close().catch(() => {});
  await nc.closed();
}
