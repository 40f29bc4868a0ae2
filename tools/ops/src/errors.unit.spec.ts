import { describe, expect, it } from 'vitest';
import { opsDefaults } from './config.js';
import { describeFailure, oneLine, redactUrl } from './errors.js';

describe('describeFailure', () => {
  it('names a refused connection, even inside the AggregateError pg throws for localhost', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeFailure(new AggregateError([refused], ''))).toBe(
      'cannot connect (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('points at migrate when a schema or table is missing', () => {
    const missing = Object.assign(new Error('relation "x_es.events" does not exist'), { code: '42P01' });
    expect(describeFailure(missing)).toMatch(/is the service migrated\? \(ledgerline migrate/);
  });

  it('prefixes application errors with their code', () => {
    const refused = Object.assign(new Error('password is too short'), { code: 'VALIDATION' });
    expect(describeFailure(refused)).toBe('VALIDATION: password is too short');
    expect(describeFailure('plain')).toBe('plain');
  });
});

describe('output helpers', () => {
  it('folds text onto one line and hides URL passwords', () => {
    expect(oneLine('a\n  b\n')).toBe('a b');
    expect(redactUrl('postgres://u:secret@db:5432/x')).toBe('postgres://u:***@db:5432/x');
  });

  it('takes DATABASE_URL and NATS_URL from the environment, else localhost', () => {
    expect(opsDefaults({})).toEqual({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      natsUrl: 'nats://127.0.0.1:4222',
    });
    expect(opsDefaults({ DATABASE_URL: 'postgres://db/x', NATS_URL: ' ' }).databaseUrl).toBe(
      'postgres://db/x',
    );
  });
});
