import { startS3Server } from '@ledgerline/testing';

// The S3 test server as its own process, so its event loop does not share the benchmark's.
const server = await startS3Server({
  buckets: [process.env.S3_BUCKET ?? 'bench-files'],
  port: Number(process.env.S3_PORT),
});
console.log(`S3 test server on ${server.endpoint}`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
