/** Where the CLI finds the infrastructure when no flag says otherwise (flags win over these). */
export interface OpsDefaults {
  databaseUrl: string;
  natsUrl: string;
}

const LOCAL_DATABASE = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_NATS = 'nats://127.0.0.1:4222';

// The only place the CLI reads the environment: the same variable names and localhost defaults as
// the services' base config (packages/platform/src/config), without loading the NestJS platform
// for a command-line tool.
/** The defaults of `--database-url` and `--nats-url`: DATABASE_URL / NATS_URL, else localhost. */
export function opsDefaults(env: Record<string, string | undefined> = process.env): OpsDefaults {
  const pick = (value: string | undefined, fallback: string) =>
    value !== undefined && value.trim() !== '' ? value.trim() : fallback;
  return { databaseUrl: pick(env.DATABASE_URL, LOCAL_DATABASE), natsUrl: pick(env.NATS_URL, LOCAL_NATS) };
}

/** The options every command inherits from the program. */
export interface GlobalOptions {
  databaseUrl: string;
  natsUrl: string;
}
