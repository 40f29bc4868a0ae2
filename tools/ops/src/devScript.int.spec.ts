import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('is what `turbo dev` runs too: the same checks, and every variable reaches it', async () => {
    // Strict env mode would pass only the globalPassThroughEnv list: the root task passes all.
    const turboJson = JSON.parse(readFileSync(join(ROOT, 'turbo.json'), 'utf8'));
    expect(turboJson.tasks['//#dev']).toMatchObject({ passThroughEnv: ['*'], persistent: true });
    expect(turboJson.tasks.dev).toBeUndefined();
    const child = spawn(join(ROOT, 'node_modules/.bin/turbo'), ['dev', '--ui=stream'], {
      cwd: ROOT,
      // SMTP_URL is in no turbo.json list: strict mode would have dropped it (then :1025 was used).
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1', SMTP_URL: 'smtp://127.0.0.1:2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('turbo dev: infrastructure missing');
    expect(output).toContain('Redis at redis://127.0.0.1:1: connection refused');
    expect(output).toContain('no SMTP server at smtp://127.0.0.1:2');
  });
});
