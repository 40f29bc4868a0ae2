import { defineService, type ServiceContext } from '@ledgerline/platform';
import { type NotifierConfig, notifierConfig } from './config.js';
import { startDeliveryConsumer } from './deliveries/deliveryConsumer.js';
import { createMailer, type Mailer } from './mail/mailer.js';

/** What the notifier's features get from the runtime. */
export type NotifierContext = ServiceContext<NotifierConfig, undefined, { smtp: Mailer }>;

/**
 * The notifier: e-mails for identity's public events. It keeps no read models (deliveries live in
 * its event store) and answers no commands of its own; the runtime adds `notifier.qry.Health`
 * (NATS, Postgres, SMTP) and runs the delivery consumer under its leader lock.
 */
export default defineService({
  name: 'notifier',
  config: notifierConfig,
  resources: {
    smtp: {
      create: ({ config }) =>
        createMailer({
          smtpUrl: config.SMTP_URL,
          from: config.MAIL_FROM,
          timeoutMs: config.SMTP_TIMEOUT_MS,
          maxConnections: config.DELIVERY_CONCURRENCY,
        }),
      close: (mailer) => mailer.close(),
      health: (mailer) => mailer.verify(),
    },
  },
  features: [
    {
      name: 'deliveries',
      deps: (ctx: NotifierContext) => ctx,
      workers: [
        {
          name: 'consumer',
          start: (ctx: NotifierContext) =>
            startDeliveryConsumer({ ...ctx, nc: ctx.nats, mailer: ctx.resources.smtp }),
        },
      ],
    },
  ],
});
