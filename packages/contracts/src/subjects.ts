import { ValidationError } from './errors.js';

// Names are validated so that a subject never contains NATS wildcards (`*`, `>`), spaces or stray dots,
// which would silently widen or break a subscription.
const SERVICE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MESSAGE_NAME = /^[A-Z][a-zA-Z0-9]*$/;
// External types keep their source's spelling, e.g. Stripe's `checkout.session.completed`.
const EXTERNAL_TYPE = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*$/;
// The stream prefixes cannot be service names, or `evt.cmd.X` would mean two things.
const RESERVED_SERVICE_NAMES = new Set(['evt', 'ext']);

/** The kinds of message a subject can address. */
export type SubjectKind = 'command' | 'query' | 'event' | 'external';

/** The parts of a subject; `service` is the external source for `external` subjects. */
export interface ParsedSubject {
  kind: SubjectKind;
  service: string;
  name: string;
}

/** Subjects bound to the JetStream `EVENTS` and `EXTERNAL` streams. */
export const EVENTS_STREAM_SUBJECTS = 'evt.>';
export const EXTERNAL_STREAM_SUBJECTS = 'ext.>';

/** True for lower-kebab service names such as `identity` or `api-gateway`. */
export const isServiceName = (value: string): boolean =>
  SERVICE_NAME.test(value) && !RESERVED_SERVICE_NAMES.has(value);

/** True for PascalCase command, query and event names such as `RegisterUser`. */
export const isMessageName = (value: string): boolean => MESSAGE_NAME.test(value);

const assertService = (service: string, role = 'service'): void => {
  if (!isServiceName(service)) {
    throw new ValidationError(`Invalid ${role} name "${service}": expected lower-kebab-case`, {
      [role]: service,
    });
  }
};

const assertMessageName = (name: string, role: string): void => {
  if (!isMessageName(name)) {
    throw new ValidationError(`Invalid ${role} "${name}": expected PascalCase`, { [role]: name });
  }
};

const assertExternalType = (type: string): void => {
  if (!EXTERNAL_TYPE.test(type)) {
    throw new ValidationError(`Invalid external event type "${type}": expected lower-case dotted words`, {
      type,
    });
  }
};

/** `<service>.cmd.<Name>`, the request/reply subject of a command (queue group = service). */
export const commandSubject = (service: string, name: string): string => {
  assertService(service);
  assertMessageName(name, 'command name');
  return `${service}.cmd.${name}`;
};

/** `<service>.qry.<Name>`, the request/reply subject of a query. */
export const querySubject = (service: string, name: string): string => {
  assertService(service);
  assertMessageName(name, 'query name');
  return `${service}.qry.${name}`;
};

/** `evt.<service>.<Type>`, the JetStream subject of a public event. */
export const eventSubject = (service: string, type: string): string => {
  assertService(service);
  assertMessageName(type, 'event type');
  return `evt.${service}.${type}`;
};

/** `ext.<source>.<type>`, the JetStream subject of an event received from outside (e.g. Stripe). */
export const externalSubject = (source: string, type: string): string => {
  assertService(source, 'source');
  assertExternalType(type);
  return `ext.${source}.${type}`;
};

/** Splits a Ledgerline subject into kind, service and name; throws ValidationError for anything else. */
export const parseSubject = (subject: string): ParsedSubject => {
  const parts = subject.split('.');
  const [first = '', second = '', third = ''] = parts;
  if (first === 'evt' && parts.length === 3) {
    eventSubject(second, third);
    return { kind: 'event', service: second, name: third };
  }
  if (first === 'ext' && parts.length >= 3) {
    const type = parts.slice(2).join('.');
    externalSubject(second, type);
    return { kind: 'external', service: second, name: type };
  }
  if (parts.length === 3 && (second === 'cmd' || second === 'qry')) {
    if (second === 'cmd') commandSubject(first, third);
    else querySubject(first, third);
    return { kind: second === 'cmd' ? 'command' : 'query', service: first, name: third };
  }
  throw new ValidationError(
    `Invalid subject "${subject}": expected <service>.cmd.<Name>, <service>.qry.<Name>, evt.<service>.<Type> or ext.<source>.<type>`,
    { subject },
  );
};

/** Like {@link parseSubject} but returns undefined instead of throwing. */
export const tryParseSubject = (subject: string): ParsedSubject | undefined => {
  try {
    return parseSubject(subject);
  } catch {
    return undefined;
  }
};
