import 'reflect-metadata';
import { bootstrapTelemetry } from '@ledgerline/platform/telemetry';

// Process entry: tracing before anything is instrumented (the rest is imported after it), config
// once, then serve until a signal.
const telemetry = bootstrapTelemetry('api-gateway');
const { createLogger } = await import('@ledgerline/platform');
const { loadGatewayConfig } = await import('./config.js');
const config = loadGatewayConfig();
const logger = createLogger({
  service: 'api-gateway',
  level: config.LOG_LEVEL,
  pretty: config.NODE_ENV === 'development',
});
// WEBHOOKS_ONLY=true: the same image as the Stripe webhook ingress (its own Deployment), nothing else
// served; a plain node:http server, so Nest and Fastify are not even loaded.
const gateway = config.WEBHOOKS_ONLY
  ? await (await import('./webhooks/webhookIngress.js')).createWebhookIngress({ config, logger })
  : await (await import('./app/createGateway.js')).createGateway({ config, logger });
const url = await gateway.listen();
logger.info({ url }, 'api-gateway listening');

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    logger.error('shutdown timed out');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  gateway
    .close()
    .then(() => telemetry.shutdown())
    .then(
      () => {
        logger.info('shut down');
        process.exit(0);
      },
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
