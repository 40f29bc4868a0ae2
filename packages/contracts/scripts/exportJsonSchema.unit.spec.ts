import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInContracts, contractFileName, registry } from '../src/index.js';
import { exportJsonSchema } from './exportJsonSchema.js';

describe('exportJsonSchema', () => {
  let outDir: string;
  beforeEach(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'contracts-json-schema-'));
  });
  afterEach(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('writes a parseable schema file for every contract and an index', async () => {
    const written = await exportJsonSchema(outDir, registry);
    const onDisk = (await readdir(outDir)).sort();
    expect(onDisk).toEqual([...written].sort());
    for (const contract of builtInContracts) {
      const text = await readFile(join(outDir, contractFileName(contract)), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ 'x-ledgerline': { subject: contract.subject } });
    }
    const index = JSON.parse(await readFile(join(outDir, 'index.json'), 'utf8')) as { contracts: unknown[] };
    expect(index.contracts).toHaveLength(builtInContracts.length);
  });

  it('removes stale exports but leaves other files alone', async () => {
    await writeFile(join(outDir, 'evt.gone.Removed.v1.json'), '{}');
    await writeFile(join(outDir, 'README.md'), 'keep me');
    await exportJsonSchema(outDir, registry);
    const onDisk = await readdir(outDir);
    expect(onDisk).not.toContain('evt.gone.Removed.v1.json');
    expect(onDisk).toContain('README.md');
  });
});
