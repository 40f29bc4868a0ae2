import type { Contract, EventContract } from './contract.js';
import { ConflictError, ValidationError } from './errors.js';
import { isServiceName, parseSubject } from './subjects.js';

/** One declared consumption: `consumer` sends to (command/query) or subscribes to (event) `subject`. */
export interface Consumption {
  consumer: string;
  subject: string;
}

// Commands and queries have a single version; events are keyed by subject and schemaVersion.
const versionOf = (contract: Contract): number => (contract.kind === 'event' ? contract.schemaVersion : 1);
const keyOf = (contract: Contract): string => `${contract.subject}@${versionOf(contract)}`;

/** Every known contract and who consumes it; the source of the JSON Schema export and of wiring checks. */
export class ContractRegistry {
  private readonly contracts = new Map<string, Contract>();
  private readonly consumers = new Map<string, Set<string>>();

  /** Registers contracts; a second contract with the same subject and version is a ConflictError. */
  add(...contracts: Contract[]): this {
    for (const contract of contracts) {
      const key = keyOf(contract);
      if (this.contracts.has(key)) {
        throw new ConflictError(`Duplicate contract ${contract.subject} v${versionOf(contract)}`, {
          subject: contract.subject,
          version: versionOf(contract),
        });
      }
      this.contracts.set(key, contract);
    }
    return this;
  }

  /** The contract on `subject`; for an event, its latest schema version. */
  get(subject: string): Contract | undefined {
    const matches = this.list().filter((c) => c.subject === subject);
    return matches.at(-1);
  }

  /**
   * An event contract by type (`UserRegistered`) or subject (`evt.identity.UserRegistered`), at
   * `schemaVersion` or the latest. A bare type declared by two services is ambiguous: use the subject.
   */
  getEvent(typeOrSubject: string, schemaVersion?: number): EventContract | undefined {
    const bySubject = typeOrSubject.includes('.');
    const events = this.list().filter(
      (c): c is EventContract => c.kind === 'event' && (bySubject ? c.subject : c.type) === typeOrSubject,
    );
    const services = new Set(events.map((e) => e.service));
    if (services.size > 1) {
      throw new ConflictError(`Event type ${typeOrSubject} is declared by ${[...services].join(', ')}`, {
        type: typeOrSubject,
        services: [...services],
      });
    }
    if (schemaVersion === undefined) return events.at(-1);
    return events.find((e) => e.schemaVersion === schemaVersion);
  }

  /** All contracts, ordered by subject then version (stable output for exports and diffs). */
  list(): Contract[] {
    return [...this.contracts.values()].sort(
      (a, b) => a.subject.localeCompare(b.subject) || versionOf(a) - versionOf(b),
    );
  }

  /** The service that answers (command/query) or publishes (event) `subject`, if a contract exists. */
  producerOf(subject: string): string | undefined {
    return this.get(subject)?.service;
  }

  /** Records that `consumerService` sends to or subscribes to `subject` (no wildcards). */
  declareConsumer(consumerService: string, subject: string): this {
    if (!isServiceName(consumerService)) {
      throw new ValidationError(`Invalid consumer service name "${consumerService}"`, { consumerService });
    }
    parseSubject(subject);
    const set = this.consumers.get(subject) ?? new Set<string>();
    set.add(consumerService);
    this.consumers.set(subject, set);
    return this;
  }

  /** Services declared as consumers of `subject`, sorted. */
  consumersOf(subject: string): string[] {
    return [...(this.consumers.get(subject) ?? [])].sort();
  }

  /** Every declared consumption, sorted by subject then consumer. */
  consumptions(): Consumption[] {
    return [...this.consumers.keys()]
      .sort()
      .flatMap((subject) => this.consumersOf(subject).map((consumer) => ({ consumer, subject })));
  }

  /** Human-readable wiring problems; an empty list means every consumed subject has a contract. */
  problems(): string[] {
    const problems: string[] = [];
    for (const { consumer, subject } of this.consumptions()) {
      // External events (ext.*) are produced outside Ledgerline and have no contracts here yet.
      if (parseSubject(subject).kind === 'external') continue;
      const contract = this.get(subject);
      if (contract === undefined) {
        problems.push(`${consumer} consumes ${subject}, but no contract (and so no producer) is registered`);
      } else if (contract.kind === 'event' && !contract.public && contract.service !== consumer) {
        problems.push(
          `${consumer} consumes ${subject}, but ${contract.service} does not publish it (public: false)`,
        );
      }
    }
    return problems;
  }
}
