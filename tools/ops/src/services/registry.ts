/** A service the CLI knows by name: where its manifest is exported, and whether it has a database. */
export interface KnownService {
  name: string;
  /** `<package>/manifest`: the `./manifest` export of the service's package.json. */
  manifestModule?: string;
  database: boolean;
}

// Files and billing slot in here with one line each when they exist.
/** Every service of the cluster, in migration order. */
export const KNOWN_SERVICES: readonly KnownService[] = [
  { name: 'identity', manifestModule: '@ledgerline/identity/manifest', database: true },
  { name: 'notifier', manifestModule: '@ledgerline/notifier/manifest', database: true },
  { name: 'api-gateway', database: false },
];

export const knownService = (name: string): KnownService | undefined =>
  KNOWN_SERVICES.find((s) => s.name === name);

export const knownNames = (): string => KNOWN_SERVICES.map((s) => s.name).join(', ');
