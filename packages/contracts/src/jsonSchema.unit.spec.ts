import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtInContracts, createCatalogRegistry } from './catalog.js';
import { defineEvent, defineQuery } from './contract.js';
import { buildJsonSchemaFiles, contractFileName, contractJsonSchema, jsonSchemaIndex } from './jsonSchema.js';
import { ContractRegistry } from './registry.js';

type Defs = Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }>;

describe('buildJsonSchemaFiles', () => {
  const registry = createCatalogRegistry();
  const files = buildJsonSchemaFiles(registry);
  const byName = new Map(files.map((f) => [f.fileName, f.content]));

  it('produces one schema per contract plus index.json', () => {
    expect(files).toHaveLength(builtInContracts.length + 1);
    for (const contract of builtInContracts) expect(byName.has(contractFileName(contract))).toBe(true);
    expect(byName.has('index.json')).toBe(true);
  });

  it('describes RegisterUser request and reply', () => {
    const doc = byName.get('identity.cmd.RegisterUser.json');
    const defs = doc?.$defs as Defs;
    expect(defs.request?.required?.toSorted()).toEqual(['displayName', 'email', 'password']);
    expect(defs.reply?.properties).toHaveProperty('userId');
    expect(doc?.['x-ledgerline']).toMatchObject({
      kind: 'command',
      service: 'identity',
      name: 'RegisterUser',
    });
  });

  it('describes event data under a versioned file name', () => {
    const doc = byName.get('evt.identity.UserRegistered.v1.json');
    expect(((doc?.$defs ?? {}) as Defs).data?.required?.toSorted()).toEqual([
      'displayName',
      'email',
      'registeredAt',
      'userId',
    ]);
    expect(doc?.['x-ledgerline']).toMatchObject({ kind: 'event', public: true, schemaVersion: 1 });
  });

  it('indexes producers and consumers', () => {
    const index = byName.get('index.json') as {
      contracts: { subject: string; producer: string; consumers: string[] }[];
    };
    const registerUser = index.contracts.find((c) => c.subject === 'identity.cmd.RegisterUser');
    expect(registerUser).toMatchObject({ producer: 'identity', consumers: ['api-gateway'] });
    expect(index.contracts).toHaveLength(builtInContracts.length);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildJsonSchemaFiles(createCatalogRegistry()))).toBe(JSON.stringify(files));
  });
});

describe('contractJsonSchema', () => {
  it('documents requests as sent (input) and separates event versions', () => {
    const withDefault = defineQuery({
      service: 'files',
      name: 'ListUploads',
      request: z.object({ limit: z.int().default(20) }),
      reply: z.object({ items: z.array(z.string()) }),
    });
    const defs = contractJsonSchema(withDefault).$defs as Defs;
    expect(defs.request?.required ?? []).not.toContain('limit');
    const v2 = defineEvent({
      service: 'files',
      type: 'UploadVerified',
      schemaVersion: 2,
      data: z.object({}),
      public: false,
    });
    expect(contractFileName(v2)).toBe('evt.files.UploadVerified.v2.json');
    expect(jsonSchemaIndex(new ContractRegistry().add(v2))[0]).toMatchObject({
      public: false,
      schemaVersion: 2,
    });
  });

  it('fails loudly on a schema JSON Schema cannot express', () => {
    const bad = defineQuery({
      service: 'files',
      name: 'Bad',
      request: z.object({ at: z.date() }),
      reply: z.object({}),
    });
    expect(() => contractJsonSchema(bad)).toThrow();
  });
});
