import 'reflect-metadata';
import { createLogger, startTelemetry } from '@ledgerline/platform';
import { createGateway } from './app/createGateway.js';
import { loadGatewayConfig } from './config.js';

// Process entry: config once, telemetry before anything is instrumented, then serve until a signal.
const config = loadGatewayConfig();
const telemetry = startTelemetry({
  serviceName: 'api-gateway',
  enabled: config.OTEL_ENABLED,
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const logger = createLogger({
  service: 'api-gateway',
  level: config.LOG_LEVEL,
  pretty: config.NODE_ENV === 'development',
});
const gateway = await createGateway({ config, logger });
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
