import { uuidv7 } from '@ledgerline/platform';

// Ids end up in logs and NATS headers: a bounded, printable token, never free text.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's X-Request-Id when it is a safe token, else a fresh UUIDv7. */
export function acceptRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE.test(value) ? value : uuidv7();
}
