import { ConflictError, isAppError, UnavailableError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { asUnavailable, isConnectionError } from './connections.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it('recognises a terminated backend, a restart, a refused or reset socket and a dead client', () => {
    expect(isConnectionError(pgError('57P01', 'terminating connection due to administrator command'))).toBe(
      true,
    );
    expect(isConnectionError(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isConnectionError(pgError('08006'))).toBe(true);
    expect(isConnectionError(pgError('ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(pgError('ECONNRESET'))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isConnectionError(new Error('Client has encountered a connection error and is not queryable')),
    ).toBe(true);
    expect(isConnectionError(new UnavailableError('down'))).toBe(true);
  });

  it('recognises the same failures as Prisma reports them (read-model queries)', () => {
    expect(isConnectionError(pgError('P1001', "Can't reach database server at 127.0.0.1:5432"))).toBe(true);
    expect(isConnectionError(pgError('P1017', 'Server has closed the connection.'))).toBe(true);
    expect(isConnectionError(pgError('P2024', 'Timed out fetching a new connection'))).toBe(true);
    const p2039 =
      'Database error. Code: `57P01`. Message: `terminating connection due to administrator command`';
    expect(isConnectionError(pgError('P2039', p2039))).toBe(true);
    const starting = 'Database error. Code: `57P03`. Message: `the database system is starting up`';
    expect(isConnectionError(pgError('P2039', starting))).toBe(true);
    const duplicate = 'Database error. Code: `23505`. Message: `duplicate key value`';
    expect(isConnectionError(pgError('P2039', duplicate))).toBe(false);
    expect(isConnectionError(pgError('P2002', 'Unique constraint failed'))).toBe(false);
  });

  it('leaves statement errors and domain errors alone', () => {
    expect(isConnectionError(pgError('23505', 'duplicate key value'))).toBe(false);
    expect(isConnectionError(pgError('22P02', 'invalid input syntax'))).toBe(false);
    expect(isConnectionError(new ConflictError('taken'))).toBe(false);
    expect(isConnectionError(new Error('handler is broken'))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});

describe('asUnavailable', () => {
  it('turns a lost connection into code UNAVAILABLE with the cause kept, and passes the rest through', () => {
    const terminated = pgError('57P01', 'terminating connection due to administrator command');
    const mapped = asUnavailable(terminated);
    expect(isAppError(mapped) && mapped.code).toBe('UNAVAILABLE');
    expect((mapped as Error).cause).toBe(terminated);
    const domain = new ConflictError('taken');
    expect(asUnavailable(domain)).toBe(domain);
    const statement = pgError('23505');
    expect(asUnavailable(statement)).toBe(statement);
  });
});
