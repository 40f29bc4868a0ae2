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
}

/** A nodemailer SMTP transport from `SMTP_URL` (credentials and TLS options may ride in the URL). */
export function createMailer(options: MailerOptions): Mailer {
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    // nodemailer's own logger would print message bodies (tokens, codes) at debug level.
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: options.from, ...mail });
      return { messageId: info.messageId };
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
