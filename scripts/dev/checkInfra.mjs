// Does the infrastructure `npm run dev` needs answer? Each check returns undefined when it does,
// else a short reason. Raw sockets for NATS and Redis: no client library, no reconnect loops.
import { connect } from 'node:net';
import pg from 'pg';

const TIMEOUT_MS = 3_000;

/** PostgreSQL accepts a connection and answers `SELECT 1`. */
export async function checkPostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return reason(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** NATS sends its INFO line on connect; JetStream must be enabled in it. */
export async function checkNats(url) {
  const first = url.split(',')[0].trim();
  const line = await firstLine(withScheme(first, 'nats'), 4222, undefined).catch(reason);
  if (!line.startsWith('INFO ')) return line.startsWith('-') || line === '' ? line || 'no INFO line' : line;
  try {
    return JSON.parse(line.slice(5)).jetstream === true
      ? undefined
      : 'JetStream is not enabled (nats-server -js)';
  } catch {
    return 'unreadable INFO line';
  }
}

/** Redis answers PING (with PONG, or with an auth error: it is up either way). */
export async function checkRedis(url) {
  const line = await firstLine(url, 6379, 'PING\r\n').catch(reason);
  return line.startsWith('+PONG') || line.startsWith('-NOAUTH') || line.startsWith('-WRONGPASS')
    ? undefined
    : line || 'no answer to PING';
}

/** Anything listening on the SMTP port (Mailpit in development). */
export async function checkSmtp(url) {
  return firstLine(url, 25, undefined)
    .then((line) => (line.startsWith('220') ? undefined : `unexpected greeting ${line}`))
    .catch(reason);
}

const withScheme = (url, scheme) => (url.includes('://') ? url : `${scheme}://${url}`);

function firstLine(url, defaultPort, send) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    let data = '';
    const timer = setTimeout(() => finish(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)), TIMEOUT_MS);
    const finish = (error, line) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(line);
    };
    socket.once('connect', () => send && socket.write(send));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const end = data.indexOf('\r\n');
      if (end >= 0) finish(undefined, data.slice(0, end));
    });
    socket.once('error', (error) => finish(error));
    socket.once('end', () => finish(undefined, data));
  });
}

function reason(error) {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  if (inner?.code === 'ECONNREFUSED') return 'connection refused';
  return inner?.message || inner?.code || String(inner);
}
