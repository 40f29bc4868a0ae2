import { connect } from '@nats-io/transport-node';
import nodemailer from 'nodemailer';

// The raw side of bench:email, in its own process like the notifier: a nodemailer pooled transport
// with BENCH_CONCURRENCY connections and as many senders. Each request on RAW_SUBJECT sends
// `count` copies of the given message to distinct addresses, then replies.
interface SendRequest {
  run: number;
  count: number;
  subject: string;
  text: string;
  html: string;
}

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const transport = nodemailer.createTransport({
  url: process.env.SMTP_URL,
  pool: true,
  maxConnections: concurrency,
  maxMessages: 1_000,
  logger: false,
});
const nc = await connect({ servers: process.env.NATS_URL });
const sub = nc.subscribe(process.env.RAW_SUBJECT ?? 'bench.email.raw');
const stop = () => void nc.drain().finally(() => transport.close());
process.once('SIGTERM', stop);

for await (const msg of sub) {
  const request = msg.json<SendRequest>();
  let next = 0;
  const sender = async () => {
    for (let n = next++; n < request.count; n = next++) {
      await transport.sendMail({
        from: 'Ledgerline <no-reply@ledgerline.local>',
        to: `r${request.run}-${n}-${process.pid}@bench.example`,
        subject: request.subject,
        text: request.text,
        html: request.html,
        messageId: `<raw-${request.run}-${n}-${process.pid}@ledgerline.local>`,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  msg.respond('{"ok":true}');
}
