import type { RequestContract } from '@ledgerline/contracts';
import type { z } from 'zod';
import type {
  AnyServiceDefinition,
  Empty,
  Feature,
  HandlerEntry,
  RequestHandler,
  ResourceDefinition,
  RuntimeConfig,
  ServiceDefinition,
  ServiceDefinitionInput,
} from './types.js';

/** One row of a handlers table: the contract says what is parsed and what the reply is. */
export function on<C extends RequestContract, Deps>(
  contract: C,
  handler: RequestHandler<C, Deps>,
): HandlerEntry<Deps> {
  return { contract, handle: handler as HandlerEntry<Deps>['handle'] };
}

/** Type-checks a feature; `Deps` is inferred from its `deps` factory. */
export const defineFeature = <Ctx, Deps = Ctx>(feature: Feature<Ctx, Deps>): Feature<Ctx, Deps> => feature;

/** Type-checks a resource (built once from config, closed at shutdown, optionally health-checked). */
export const resource = <T, Config = RuntimeConfig>(
  definition: ResourceDefinition<T, Config>,
): ResourceDefinition<T, Config> => definition;

/** A service is a definition: name, its own config, read models, resources and features. */
export function defineService<
  Own extends z.ZodObject = z.ZodObject<Empty>,
  ReadModels = undefined,
  Res extends object = Empty,
>(input: ServiceDefinitionInput<Own, ReadModels, Res>): ServiceDefinition<Own, ReadModels, Res> {
  if (!/^[a-z][a-z0-9-]*$/.test(input.name)) throw new Error(`invalid service name "${input.name}"`);
  const names = new Set<string>();
  for (const feature of input.features) {
    if (names.has(feature.name)) throw new Error(`${input.name}: two features named "${feature.name}"`);
    names.add(feature.name);
  }
  const prismaDir = input.readModels?.prismaDir;
  const readModelMigrationsDir =
    prismaDir === undefined ? undefined : `${pathOf(prismaDir).replace(/\/$/, '')}/migrations`;
  return Object.freeze({ ...input, kind: 'ledgerline.service' as const, readModelMigrationsDir });
}

/** True for what defineService returned (tooling imports modules and checks their default export). */
export const isServiceDefinition = (value: unknown): value is AnyServiceDefinition =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'ledgerline.service';

function pathOf(dir: string | URL): string {
  if (dir instanceof URL) return decodeURIComponent(dir.pathname);
  if (dir.startsWith('file:')) return decodeURIComponent(new URL(dir).pathname);
  if (!dir.startsWith('/')) throw new Error(`readModels.prismaDir must be absolute or a URL: ${dir}`);
  return dir;
}
