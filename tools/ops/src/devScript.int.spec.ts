import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm run dev (scripts/dev.mjs)', () => {
  it('stops at once, naming what is missing and how to start it', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, ['scripts/dev.mjs'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('infrastructure missing');
    expect(stderr).toContain('Redis at redis://127.0.0.1:1: connection refused');
    expect(stderr).not.toMatch(/PostgreSQL at|NATS with JetStream at/);
    expect(stderr).toContain('docker compose up -d postgres nats redis minio mailpit');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
