import type { MessageMeta } from '@ledgerline/contracts';
import { type HandleCommandResult, handleCommand, StreamStateCache } from '@ledgerline/eventsourcing';
import type { IdentityInfrastructure } from '../infrastructure/infrastructure.js';
import type { ReadModels } from '../infrastructure/readModels.js';
import type { PasswordHasher } from '../shared/passwords.js';
import type { Account, AccountEvent } from './account.js';
import { accountStreamId } from './account.js';
import { type AccountCommand, accountDecider } from './decide.js';

/** What the accounts use cases need: no more than these. */
export interface AccountsDeps {
  store: IdentityInfrastructure['store'];
  prisma: ReadModels;
  passwords: PasswordHasher;
  /** MESSAGE_SEAL_KEY: seals the tokens that public events carry to the notifier. */
  sealKey: string;
  /** The time decisions are made at; tests move it to expire tokens. */
  clock: () => Date;
  /** Folded accounts between commands, so a command reads only what was appended since. */
  states: StreamStateCache<Account>;
}

/** Accounts dependencies from the service's infrastructure. */
export const accountsDeps = (
  infra: IdentityInfrastructure,
  clock: () => Date = () => new Date(),
): AccountsDeps => ({
  store: infra.store,
  prisma: infra.prisma,
  passwords: infra.passwords,
  sealKey: infra.config.MESSAGE_SEAL_KEY,
  clock,
  states: new StreamStateCache<Account>(),
});

/** Event metadata from the message being handled (ids, actor, trace), when there is one. */
export const eventMeta = (meta: MessageMeta | undefined): Partial<MessageMeta> | undefined => {
  if (meta === undefined) return undefined;
  const { idempotencyKey: _key, ...rest } = meta;
  return rest;
};

export interface RunOptions {
  meta?: MessageMeta | undefined;
  /** Claims the normalised e-mail when the command opens an account. */
  reserveEmail?: string;
}

/** Loads the account, decides and appends (retrying once on a concurrent write). */
export async function runAccountCommand(
  deps: AccountsDeps,
  userId: string,
  command: AccountCommand,
  options: RunOptions = {},
): Promise<AccountEvent[]> {
  return (await accountCommand(deps, userId, command, options)).events;
}

/** As runAccountCommand, answering the whole result (with the read-model rows the append wrote). */
export function accountCommand(
  deps: AccountsDeps,
  userId: string,
  command: AccountCommand,
  options: RunOptions = {},
): Promise<HandleCommandResult<AccountEvent, Account>> {
  return handleCommand({
    store: deps.store,
    decider: accountDecider,
    streamId: accountStreamId(userId),
    command,
    context: () => ({ now: deps.clock() }),
    retries: 1,
    cache: deps.states,
    meta: eventMeta(options.meta),
    reservations: (events) =>
      options.reserveEmail !== undefined && events.some((e) => e.type === 'UserRegistered')
        ? { reserve: [{ scope: 'email', value: options.reserveEmail }] }
        : {},
  });
}
