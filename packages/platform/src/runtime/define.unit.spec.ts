import { defineCommand } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, defineService, isServiceDefinition, on } from './define.js';
import { manifestOf } from './manifest.js';

const ping = defineCommand({
  service: 'ledger',
  name: 'Ping',
  request: z.object({}),
  reply: z.object({ n: z.int() }),
});

describe('defineService', () => {
  it('derives the migrations folder and the ops manifest from the definition', () => {
    const projection = {
      name: 'rows',
      table: 'Row',
      canHandle: ['Added'],
      documentId: () => 'x',
      evolve: () => null,
    };
    const feature = defineFeature({
      name: 'rows',
      deps: () => ({ n: 1 }),
      handlers: (route) => [route(ping, (deps) => ({ n: deps.n }))],
      projections: { async: [projection] },
    });
    const service = defineService({
      name: 'ledger',
      readModels: { prismaDir: new URL('file:///srv/ledger/prisma/') },
      features: [feature],
    });
    expect(isServiceDefinition(service)).toBe(true);
    expect(service.readModelMigrationsDir).toBe('/srv/ledger/prisma/migrations');
    expect(manifestOf(service)).toEqual({
      name: 'ledger',
      readModelMigrationsDir: '/srv/ledger/prisma/migrations',
      projections: [projection],
      asyncProjections: ['rows'],
      reactors: [],
    });
  });

  it('refuses a bad name, two features of one name and a relative prisma folder', () => {
    expect(() => defineService({ name: 'Ledger', features: [] })).toThrow(/invalid service name/);
    expect(() => defineService({ name: 'ledger', features: [{ name: 'a' }, { name: 'a' }] })).toThrow(
      /two features/,
    );
    expect(() =>
      defineService({ name: 'ledger', readModels: { prismaDir: 'prisma' }, features: [] }),
    ).toThrow(/absolute/);
  });

  it('builds handler rows that keep their contract and call the handler with the deps', () => {
    const row = on(ping, (deps: { n: number }) => ({ n: deps.n + 1 }));
    const meta = { requestId: 'r', correlationId: 'r', causationId: 'r', actor: { type: 'system' as const } };
    expect(row.contract).toBe(ping);
    expect(row.handle({ n: 1 }, {}, meta)).toEqual({ n: 2 });
  });
});
