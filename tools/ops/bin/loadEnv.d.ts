/** The repository root's `.env` (next to `.env.example`). */
export declare const rootEnvFile: URL;
/** Copies the variables of `file` that `env` does not have into `env`; returns their names. */
export declare function loadDotEnv(file?: string | URL, env?: Record<string, string | undefined>): string[];
