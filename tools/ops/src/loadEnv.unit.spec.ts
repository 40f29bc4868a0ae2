import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDotEnv } from '../bin/loadEnv.js';

describe('loadDotEnv (the .env of npm run dev and npm run ops)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerline-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in what the environment leaves unset; the environment wins, also when empty', () => {
    const file = join(dir, '.env');
    writeFileSync(
      file,
      '# comment\nDATABASE_URL=postgres://file/db\nSMTP_URL=smtp://127.0.0.1:1025\nLOG_LEVEL=debug\nMAIL_FROM="A <a@b>"\n',
    );
    const env: Record<string, string | undefined> = { SMTP_URL: 'smtp://127.0.0.1:1026', LOG_LEVEL: '' };
    const applied = loadDotEnv(file, env);
    expect(env).toEqual({
      DATABASE_URL: 'postgres://file/db',
      SMTP_URL: 'smtp://127.0.0.1:1026',
      LOG_LEVEL: '',
      MAIL_FROM: 'A <a@b>',
    });
    expect(applied.sort()).toEqual(['DATABASE_URL', 'MAIL_FROM']);
  });

  it('does nothing without a file', () => {
    const env: Record<string, string | undefined> = { A: '1' };
    expect(loadDotEnv(join(dir, 'missing.env'), env)).toEqual([]);
    expect(env).toEqual({ A: '1' });
  });
});
