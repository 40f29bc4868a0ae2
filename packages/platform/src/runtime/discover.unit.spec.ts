import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverServices } from './discover.js';

const root = mkdtempSync(join(tmpdir(), 'll-discover-'));
const write = (dir: string, pkg: unknown) => {
  mkdirSync(join(root, 'services', dir), { recursive: true });
  writeFileSync(join(root, 'services', dir, 'package.json'), JSON.stringify(pkg));
};
write('zeta', {
  name: '@x/zeta',
  exports: { './service': './s.js' },
  ledgerline: { service: 'zeta', database: true },
});
write('alpha', { name: '@x/alpha', ledgerline: { service: 'alpha', database: false } });
write('lib', { name: '@x/lib' }); // a package that is not a service
mkdirSync(join(root, 'services', 'empty'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('discoverServices', () => {
  it('finds every services/*/package.json with a ledgerline.service field, by name', () => {
    expect(discoverServices(root)).toEqual([
      {
        name: 'alpha',
        packageName: '@x/alpha',
        database: false,
        dir: join(root, 'services', 'alpha'),
        hasDefinition: false,
      },
      {
        name: 'zeta',
        packageName: '@x/zeta',
        database: true,
        dir: join(root, 'services', 'zeta'),
        hasDefinition: true,
      },
    ]);
  });

  it('finds the workspace services without a hand-kept list', () => {
    const names = discoverServices().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['api-gateway', 'identity', 'notifier']));
  });
});
