import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Logger } from 'pino';

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

// Nest's line per mapped route (dozens at every start) is detail: debug, so start-up stays readable.
const ROUTE_MAPPING_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer']);

const NEST_TO_PINO: Record<NestLogLevel, PinoMethod> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** NestJS LoggerService over pino, so framework lines share the format and context of ours. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  // Nest calls `(message, ...extras, context)`, and for errors `(message, stack, context)`.
  private write(level: NestLogLevel, message: unknown, params: unknown[]): void {
    const extras = [...params];
    const context = typeof extras.at(-1) === 'string' && extras.length > 0 ? extras.pop() : undefined;
    const stack = level === 'error' || level === 'fatal' ? takeStack(extras) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (extras.length > 0) fields.extra = extras;
    const method =
      level === 'log' && ROUTE_MAPPING_CONTEXTS.has(String(context)) ? 'debug' : NEST_TO_PINO[level];
    if (message instanceof Error) this.logger[method]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[method]({ ...fields, ...message });
    else this.logger[method](fields, String(message));
  }
}

function takeStack(extras: unknown[]): string | undefined {
  const first = extras[0];
  if (typeof first === 'string' && first.includes('\n    at ')) {
    extras.shift();
    return first;
  }
  return undefined;
}
