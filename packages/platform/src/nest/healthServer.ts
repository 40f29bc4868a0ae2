import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthReply } from '@ledgerline/contracts';

export interface HealthServerOptions {
  readonly port: number;
  readonly host?: string;
  /** Readiness: dependency checks; `ready: false` answers 503. */
  readonly readiness: () => Promise<HealthReply & { ready: boolean }>;
  /** True once shutdown began: readiness fails at once so no new traffic is routed here. */
  readonly shuttingDown: () => boolean;
}

export interface HealthServer {
  /** The bound port (useful when `port` was 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Kubernetes probes on plain node:http (no framework for two routes): `/healthz` answers 200 while
 * the event loop runs, `/readyz` 200 only when every dependency check passes, else 503.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  // Probes must not keep a shutting-down process alive with keep-alive sockets.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

async function route(req: IncomingMessage, res: ServerResponse, options: HealthServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  // Liveness stays green while draining: a failing liveness probe would get the pod killed mid-drain.
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    if (options.shuttingDown()) return send(res, 503, { status: 'shutting down' });
    const { ready, ...reply } = await options.readiness();
    return send(res, ready ? 200 : 503, reply);
  }
  send(res, 404, { error: 'not found' });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(json);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
