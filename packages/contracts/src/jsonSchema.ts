import { z } from 'zod';
import type { Contract } from './contract.js';
import type { ContractRegistry } from './registry.js';

/** A file of the JSON Schema export: name relative to the output folder, and its JSON content. */
export interface JsonSchemaFile {
  fileName: string;
  content: Record<string, unknown>;
}

/** One row of `index.json`. */
export interface JsonSchemaIndexEntry {
  subject: string;
  kind: Contract['kind'];
  name: string;
  schemaVersion: number;
  producer: string;
  consumers: string[];
  public?: boolean;
  file: string;
  description?: string;
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** `<subject>.json`; events add their version (`<subject>.v<N>.json`) because versions share a subject. */
export const contractFileName = (contract: Contract): string =>
  contract.kind === 'event'
    ? `${contract.subject}.v${contract.schemaVersion}.json`
    : `${contract.subject}.json`;

// Requests are documented as clients send them (before transforms such as trim), replies and events as
// producers emit them. Unrepresentable schemas (functions, transforms to non-JSON) throw: better a failed
// build than a published schema that lies.
const toSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return rest;
};

/**
 * One self-describing JSON Schema document per contract: metadata under `x-ledgerline`, the message
 * schemas under `$defs` (`request` and `reply` data, or event `data`), so tools can `$ref` them.
 */
export const contractJsonSchema = (contract: Contract): Record<string, unknown> => {
  const defs =
    contract.kind === 'event'
      ? { data: toSchema(contract.data, 'output') }
      : { request: toSchema(contract.request, 'input'), reply: toSchema(contract.reply, 'output') };
  const meta =
    contract.kind === 'event'
      ? { kind: contract.kind, service: contract.service, type: contract.type, public: contract.public }
      : { kind: contract.kind, service: contract.service, name: contract.name };
  return {
    $schema: DIALECT,
    $id: contractFileName(contract),
    title: contract.kind === 'event' ? `${contract.subject} v${contract.schemaVersion}` : contract.subject,
    ...(contract.description === undefined ? {} : { description: contract.description }),
    'x-ledgerline': { subject: contract.subject, schemaVersion: versionOf(contract), ...meta },
    $defs: defs,
  };
};

const versionOf = (contract: Contract): number => (contract.kind === 'event' ? contract.schemaVersion : 1);

/** The rows of `index.json`: every contract with its producer and declared consumers. */
export const jsonSchemaIndex = (registry: ContractRegistry): JsonSchemaIndexEntry[] =>
  registry.list().map((contract) => ({
    subject: contract.subject,
    kind: contract.kind,
    name: contract.name,
    schemaVersion: versionOf(contract),
    producer: contract.service,
    consumers: registry.consumersOf(contract.subject),
    ...(contract.kind === 'event' ? { public: contract.public } : {}),
    file: contractFileName(contract),
    ...(contract.description === undefined ? {} : { description: contract.description }),
  }));

/** Every file of the export: one per contract plus `index.json`. Deterministic (no timestamps). */
export const buildJsonSchemaFiles = (registry: ContractRegistry): JsonSchemaFile[] => {
  const files = registry
    .list()
    .map((contract) => ({ fileName: contractFileName(contract), content: contractJsonSchema(contract) }));
  const index = {
    generatedBy: '@ledgerline/contracts',
    contracts: jsonSchemaIndex(registry),
    consumptions: registry.consumptions(),
    problems: registry.problems(),
  };
  return [...files, { fileName: 'index.json', content: index }];
};
