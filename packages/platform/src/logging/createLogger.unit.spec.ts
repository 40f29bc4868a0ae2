import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithMessageContext } from '../context/messageContext.js';
import { createLogger } from './createLogger.js';
import { PinoNestLogger } from './nestLogger.js';
import { REDACTED } from './redaction.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ service: 'logtest', level: 'trace', destination });
  return { logger, lines };
}

const meta = {
  requestId: 'req-1',
  correlationId: 'corr-1',
  causationId: 'req-1',
  actor: { type: 'user' as const, id: 'u1' },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

describe('createLogger', () => {
  it('redacts secrets at the top level and one or two levels deep, keeping other fields', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: 'p0',
        token: 't0',
        code: '123456',
        email: 'a@example.com',
        body: { newPassword: 'p1', currentPassword: 'p2', refreshToken: 'r1', name: 'Ada', totp: '654321' },
        req: {
          headers: { authorization: 'Bearer x', cookie: 'sid=1', 'set-cookie': 'sid=2', accept: 'json' },
        },
        res: { accessToken: 'a1', secret: 's1' },
      },
      'signed in',
    );
    const [line] = lines;
    const text = JSON.stringify(line);
    for (const secret of [
      'p0',
      't0',
      '123456',
      'p1',
      'p2',
      'r1',
      '654321',
      'Bearer x',
      'sid=1',
      'sid=2',
      'a1',
      's1',
    ]) {
      expect(text).not.toContain(`"${secret}"`);
    }
    expect(line).toMatchObject({
      msg: 'signed in',
      service: 'logtest',
      level: 'info',
      password: REDACTED,
      email: 'a@example.com',
      body: { name: 'Ada', newPassword: REDACTED },
      req: { headers: { accept: 'json', authorization: REDACTED, 'set-cookie': REDACTED } },
    });
  });

  it('stamps lines with the message context ids and the trace of its traceparent', () => {
    const { logger, lines } = capture();
    runWithMessageContext(meta, () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({
      requestId: 'req-1',
      correlationId: 'corr-1',
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('adapts NestJS logger calls, including context and stack', () => {
    const { logger, lines } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('module ready', 'InstanceLoader');
    nest.error('boom', 'Error: boom\n    at somewhere', 'RpcExceptionsHandler');
    nest.verbose({ detail: 1 });
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'module ready', context: 'InstanceLoader' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'boom', context: 'RpcExceptionsHandler' });
    expect(lines[1]?.stack).toContain('at somewhere');
    expect(lines[2]).toMatchObject({ level: 'trace', detail: 1 });
  });

  it("logs Nest's line per mapped route at debug (quiet start-up)", () => {
    const { logger, lines } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/readyz, GET} route', 'RouterExplorer');
    nest.log('SystemController {/}:', 'RoutesResolver');
    nest.log('Nest application successfully started', 'NestApplication');
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug', 'info']);
  });
});

describe('error serialisation', () => {
  it('keeps error codes visible as errorCode although `code` is a redacted key', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
    logger.error({ err: error }, 'db down');
    expect(lines[0]?.err).toMatchObject({ message: 'connect failed', errorCode: 'ECONNREFUSED' });
  });
});
