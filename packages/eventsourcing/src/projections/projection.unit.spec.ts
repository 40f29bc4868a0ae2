import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../decider/decider.js';
import type { ProjectedRows, RecordedEvent } from '../store/types.js';
import {
  type AnyProjection,
  defineProjection,
  handles,
  type Projection,
  projectedRow,
} from './projection.js';

// A row as the Prisma client types it (a type alias, as Prisma generates), and the events a
// projection of it handles. The compiler checks what these tests only touch at run time: evolve
// narrows `event.data` by `event.type`, canHandle takes only the union's types, and a typed
// projection goes into the kernel's collections without a cast.
type User = { id: string; displayName: string; createdAt: Date; lastLoginAt: Date | null };
type UsersEvent =
  | DomainEvent<'UserRegistered', { userId: string; displayName: string; registeredAt: string }>
  | DomainEvent<'ProfileUpdated', { userId: string; displayName: string }>
  | DomainEvent<'SessionOpened', { userId: string; openedAt: string }>;

const users = defineProjection<UsersEvent, User>({
  name: 'users',
  table: 'users',
  canHandle: ['UserRegistered', 'ProfileUpdated', 'SessionOpened'],
  documentId: (event) => event.data.userId,
  evolve: (row, event) => {
    switch (event.type) {
      case 'UserRegistered': {
        const { userId, displayName, registeredAt } = event.data;
        return { id: userId, displayName, createdAt: new Date(registeredAt), lastLoginAt: null };
      }
      case 'ProfileUpdated':
        return row && { ...row, displayName: event.data.displayName };
      case 'SessionOpened':
        return row && { ...row, lastLoginAt: new Date(event.data.openedAt) };
    }
  },
});

defineProjection<UsersEvent, User>({
  name: 'typo',
  table: 'users',
  // @ts-expect-error: not an event of the union
  canHandle: ['UserRegisterd'],
  documentId: () => null,
  evolve: (row) => row,
});

// Typed projections fit the kernel's collections and the untyped default without casts.
const all: readonly AnyProjection[] = [users];
const untyped: readonly Projection[] = [users];

const recorded = <E extends UsersEvent>(event: E, position: number): RecordedEvent<E['type'], E['data']> => ({
  id: `e-${position}`,
  type: event.type,
  data: event.data,
  schemaVersion: 1,
  streamId: `account-${event.data.userId}`,
  streamPosition: position,
  globalPosition: position,
  transactionId: 1,
  occurredAt: '2026-11-30T10:00:00.000Z',
  meta: {},
});

describe('typed projections', () => {
  it('fold a row with events narrowed by type', () => {
    const registered = recorded(
      {
        type: 'UserRegistered',
        data: { userId: 'u1', displayName: 'Ada', registeredAt: '2026-01-01T00:00:00.000Z' },
      },
      1,
    );
    const renamed = recorded({ type: 'ProfileUpdated', data: { userId: 'u1', displayName: 'Ada L.' } }, 2);
    const row = users.evolve(users.evolve(null, registered), renamed);
    expect(row).toEqual({
      id: 'u1',
      displayName: 'Ada L.',
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      lastLoginAt: null,
    });
    expect(users.documentId(renamed)).toBe('u1');
    expect(all.every((p) => handles(p, renamed))).toBe(true);
    expect(untyped.some((p) => handles(p, { type: 'MfaEnabled' }))).toBe(false);
  });

  it('read the row an append projected, typed as the row, by projection rather than table name', () => {
    const stored: User = { id: 'u1', displayName: 'Ada', createdAt: new Date(0), lastLoginAt: null };
    const projected: ProjectedRows = new Map([
      [
        'users',
        new Map([
          ['u1', stored],
          ['u2', null],
        ]),
      ],
    ]);
    const row: User | null | undefined = projectedRow({ projected }, users, 'u1');
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(projectedRow({ projected }, users, 'u2')).toBeNull();
    expect(projectedRow({ projected }, users, 'u3')).toBeUndefined();
    expect(projectedRow({}, users, 'u1')).toBeUndefined();
  });
});
