import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/** A message the capture server accepted, with its text and HTML parts decoded. */
export interface CapturedMail {
  to: string[];
  from: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
  raw: string;
}

export interface SmtpCapture {
  port: number;
  url: string;
  messages: CapturedMail[];
  /** Messages to one recipient. */
  to(address: string): CapturedMail[];
  /** Recipients to refuse (with `code`) at RCPT TO, as a busy or broken mailbox would. */
  reject(address: string, code?: number): void;
  /** Counts RCPT TO refusals per address. */
  rejections(address: string): number;
  close(): Promise<void>;
}

/** Starts a local `smtp-server` on a random port that keeps what it receives, for int tests. */
export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const rejected = new Map<string, number>();
  const refusals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    // nodemailer would upgrade to TLS against the server's self-signed certificate and fail.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const code = rejected.get(address.address.toLowerCase());
      if (code === undefined) return callback();
      refusals.set(address.address.toLowerCase(), (refusals.get(address.address.toLowerCase()) ?? 0) + 1);
      return callback(Object.assign(new Error('mailbox unavailable, try later'), { responseCode: code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ to, from, ...parseMime(raw), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to: (address) => messages.filter((m) => m.to.includes(address.toLowerCase())),
    reject: (address, code = 451) => rejected.set(address.toLowerCase(), code),
    rejections: (address) => refusals.get(address.toLowerCase()) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Just enough MIME for nodemailer's output: headers, multipart/alternative, quoted-printable/base64.
function parseMime(raw: string): Omit<CapturedMail, 'to' | 'from' | 'raw'> {
  const { headers, body } = splitHeaders(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const sections = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const section of sections) {
    const part = splitHeaders(section.replace(/^\r?\n/, ''));
    const type = /^text\/(plain|html)/i.exec(part.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (type) parts[type] = decode(part.body, part.headers['content-transfer-encoding'] ?? '7bit');
  }
  return {
    subject: headers.subject ?? '',
    messageId: headers['message-id'] ?? '',
    text: parts.plain ?? '',
    html: parts.html ?? '',
  };
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, end).replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(end).replace(/^\r?\n\r?\n/, '') };
}

function decode(body: string, encoding: string): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
