import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { infrastructure } from '@ledgerline/testing';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/tracedProcess.ts', import.meta.url));
const platformTsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

describe('bootstrapTelemetry', () => {
  it('traces pg under a span in a process that loads it after bootstrapping, and exports over OTLP/HTTP', async () => {
    // A stand-in collector: keeps what the OTLP exporter posts to /v1/traces.
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      const { databaseUrl } = await infrastructure();
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--conditions=@ledgerline/source', fixture],
          {
            env: {
              ...process.env,
              TSX_TSCONFIG_PATH: platformTsconfig,
              DATABASE_URL: databaseUrl,
              OTEL_ENABLED: 'true',
              OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
            },
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        );
        child.once('error', reject);
        child.once('exit', resolve);
      });
      expect(exitCode).toBe(0);
      const exported = bodies.join('\n');
      expect(exported).toContain('traced-process');
      expect(exported).toContain('SELECT 1 AS traced');
      expect(exported).toContain('traced work');
      // SQL with no parent span (an idle poll) starts no trace of its own.
      expect(exported).not.toContain('SELECT 2 AS untraced');
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});
