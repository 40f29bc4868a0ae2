import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';

export const SECRET_FORMATS = ['hex', 'base64', 'base64url'] as const;
export type SecretFormat = (typeof SECRET_FORMATS)[number];

/** N random bytes from the OS CSPRNG, encoded like `openssl rand -hex|-base64 N`. */
export const generateSecret = (bytes: number, format: SecretFormat): string =>
  randomBytes(bytes).toString(format);

/** Commander parser for a whole number of bytes between 1 and 4096. */
export function parseByteCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 4096) {
    throw new InvalidArgumentError('expected a whole number of bytes from 1 to 4096');
  }
  return n;
}

/** `secrets generate`: random keys for the config (MESSAGE_SEAL_KEY, KEY_ENCRYPTION_KEY, …). */
export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description('secrets for the configuration');
  secrets
    .command('generate')
    .description('print a random secret, like `openssl rand -hex 32`')
    .option('-b, --bytes <n>', 'number of random bytes', parseByteCount, 32)
    .addOption(new Option('-f, --format <format>', 'encoding').choices(SECRET_FORMATS).default('hex'))
    .action((options: { bytes: number; format: SecretFormat }) => {
      console.log(generateSecret(options.bytes, options.format));
    });
}
