import type { z } from 'zod';

/** One bad environment variable: its name and what is wrong with it. */
export interface ConfigProblem {
  readonly name: string;
  readonly problem: string;
}

/** Thrown by `loadConfig` when the environment does not parse; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.name}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** Builds the error from a zod failure, one line per variable (several issues joined). */
  static fromZod(error: z.ZodError): ConfigError {
    const byName = new Map<string, string[]>();
    for (const issue of error.issues) {
      const name = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      byName.set(name, [...(byName.get(name) ?? []), issue.message]);
    }
    const problems = [...byName].map(([name, messages]) => ({ name, problem: messages.join('; ') }));
    return new ConfigError(problems);
  }
}
