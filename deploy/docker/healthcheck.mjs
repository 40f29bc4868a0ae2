// Docker HEALTHCHECK: GET /healthz on the gateway's PORT, or on HEALTH_PORT for NATS-only services.
// No curl in the image; node is already there.
import { get } from 'node:http';

const port = process.env.SERVICE === 'api-gateway' ? process.env.PORT || '3000' : process.env.HEALTH_PORT;
if (!port) {
  console.error('healthcheck: HEALTH_PORT is not set, so this service serves no HTTP health');
  process.exit(1);
}

const request = get({ host: '127.0.0.1', port: Number(port), path: '/healthz', timeout: 2_000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => {
  console.error(`healthcheck: ${error.message}`);
  process.exit(1);
});
