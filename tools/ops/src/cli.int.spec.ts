import { describe, expect, it } from 'vitest';
import { runCli } from './testing/runCli.test-helpers.js';

describe('ledgerline (the process)', () => {
  it('generates secrets like openssl rand', async () => {
    const [hex, url] = await Promise.all([
      runCli(['secrets', 'generate']),
      runCli(['secrets', 'generate', '--bytes', '24', '--format', 'base64url']),
    ]);
    expect(hex.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(Buffer.from(url.stdout.trim(), 'base64url')).toHaveLength(24);
  });

  it('answers --help on a nested command', async () => {
    const help = await runCli(['dead-letters', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: ledgerline dead-letters list [options]');
    expect(help.stdout).toContain('--kind <kind>');
  });

  it('turns unknown commands, bad arguments and an unreachable database into one-line errors', async () => {
    const results = await Promise.all([
      runCli(['frobnicate']),
      runCli(['secrets', 'generate', '--bytes', '0']),
      runCli(['projections', 'rebuild']),
      runCli(['projections', 'status', '--database-url', 'postgres://postgres@127.0.0.1:1/postgres']),
    ]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ledgerline: [^\n]+\n$/);
    }
    const [unknown, badBytes, missingArg, noDatabase] = results.map((r) => r.stderr);
    expect(unknown).toContain("unknown command 'frobnicate'");
    expect(badBytes).toContain('expected a whole number of bytes');
    expect(missingArg).toContain("missing required argument 'service'");
    expect(noDatabase).toMatch(/cannot connect \(ECONNREFUSED\)/);
  });
});
