import { connect } from '@nats-io/transport-node';
import Fastify from 'fastify';

// The raw ceiling of the gateway benchmark: a bare Fastify handler doing one NATS request to an
// echo responder in another process. Run as `echoCeiling.ts responder` or `echoCeiling.ts http`.
const mode = process.argv[2];
const subject = process.env.ECHO_SUBJECT ?? 'bench.echo';
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });

if (mode === 'responder') {
  nc.subscribe(subject, {
    queue: 'echo',
    callback: (_err, msg) => {
      msg.respond(msg.data);
    },
  });
} else {
  const app = Fastify({ logger: false });
  app.get('/echo', async () => {
    const reply = await nc.request(subject, JSON.stringify({ ok: true, data: { hello: 'world' } }), {
      timeout: 5000,
    });
    return reply.json();
  });
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
}
const stop = async () => {
  await nc.drain();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
