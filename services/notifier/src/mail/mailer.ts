import { withClientSpan } from '@ledgerline/platform';
import nodemailer from 'nodemailer';

/** One e-mail ready to go: the rendered parts and a Message-ID that is stable across retries. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

/** Sends e-mail; the port the delivery handler depends on (tests may swap it). */
export interface Mailer {
  /** Resolves with the Message-ID the server accepted; rejects with the SMTP error. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /** Connects and greets the server (and authenticates): the health probe. */
  verify(): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
  /**
   * SMTP connections kept open and reused (nodemailer's pooled transport); at most this many
   * conversations run at once, so it bounds concurrent sends (default 1).
   */
  maxConnections?: number;
}

/** A nodemailer SMTP transport from `SMTP_URL` (credentials and TLS options may ride in the URL). */
export function createMailer(options: MailerOptions): Mailer {
  const server = new URL(options.smtpUrl);
  const spanAttributes = {
    'server.address': server.hostname,
    'server.port': Number(server.port) || (server.protocol === 'smtps:' ? 465 : 587),
  };
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    // One connection per concurrent send, kept open between messages: a new TCP (and TLS)
    // handshake plus greeting per e-mail was most of the cost of a send.
    pool: true,
    maxConnections: Math.max(1, options.maxConnections ?? 1),
    maxMessages: 1_000,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // nodemailer's own logger would print message bodies (tokens, codes) at debug level.
    logger: false,
    debug: false,
  });
  return {
    send(mail) {
      return withClientSpan(
        'smtp send',
        async (span) => {
          const info = await transport.sendMail({ from: options.from, ...mail });
          span.setAttribute('smtp.response', String(info.response ?? '').slice(0, 200));
          return { messageId: info.messageId };
        },
        { ...spanAttributes, 'smtp.message_id': mail.messageId },
      );
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}

/**
 * True for a failure that retrying cannot fix: a 5xx reply to the recipient or the message itself
 * (unknown mailbox, content rejected). Connection errors, 4xx replies and 5xx replies to the
 * connection or login (our configuration, fixable) stay transient.
 */
export function isPermanentSmtpError(error: unknown): boolean {
  const { responseCode, command } = (error ?? {}) as { responseCode?: unknown; command?: unknown };
  const permanentReply = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  return permanentReply && (command === 'RCPT TO' || command === 'DATA');
}

/** A stable Message-ID per delivery: a resend after a crash carries the same one, so clients can fold it. */
export const deliveryMessageId = (streamId: string, from: string): string => {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'ledgerline.local';
  return `<${streamId}@${domain}>`;
};
