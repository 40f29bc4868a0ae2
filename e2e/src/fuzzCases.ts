// Malformed requests generated from the gateway's OpenAPI document, for fuzz.e2e.spec.ts. Everything
// random comes from one seeded generator, so a seed reproduces a run exactly.

type Json = Record<string, unknown>;
type Schema = {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
};

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, below: number): number => Math.floor(random() * below);
const hex = (random: Random, length: number): string =>
  Array.from({ length }, () => int(random, 16).toString(16)).join('');
const uuid = (random: Random): string =>
  `${hex(random, 8)}-${hex(random, 4)}-7${hex(random, 3)}-8${hex(random, 3)}-${hex(random, 12)}`;

/** One operation of the OpenAPI document, as the fuzzer needs it. */
export interface Operation {
  readonly method: string;
  /** OpenAPI path template (`/me/sessions/{id}`). */
  readonly path: string;
  readonly operationId: string;
  /** The media type and schema of the body, if the operation takes one. */
  readonly body?: { readonly mediaType: string; readonly schema: Schema };
  readonly pathParams: readonly { name: string; schema: Schema }[];
  readonly queryParams: readonly { name: string; schema: Schema; required: boolean }[];
  readonly idempotent: boolean;
  /** A bearer token is (or may be) used. */
  readonly bearer: boolean;
  /** The media type of the success response, if any. */
  readonly produces?: string;
}

/** Every operation of an OpenAPI 3.1 document. */
export function operationsOf(document: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = (op.parameters ?? []) as {
        name: string;
        in: string;
        required?: boolean;
        schema: Schema;
      }[];
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)
        ?.content;
      const [mediaType, media] = Object.entries(content ?? {})[0] ?? [];
      const security = (op.security ?? []) as Record<string, unknown>[];
      const responses = Object.values(
        (op.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>,
      );
      const produces = Object.keys(responses[0]?.content ?? {})[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: String(op.operationId),
        ...(mediaType && media ? { body: { mediaType, schema: media.schema } } : {}),
        pathParams: parameters.filter((p) => p.in === 'path').map(({ name, schema }) => ({ name, schema })),
        queryParams: parameters
          .filter((p) => p.in === 'query')
          .map(({ name, schema, required }) => ({ name, schema, required: required === true })),
        idempotent: parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
        bearer: security.some((s) => 'bearer' in s),
        ...(produces ? { produces } : {}),
      });
    }
  }
  return operations;
}

/** A plausible valid value for a schema: the base every mutation changes one thing of. */
export function sample(schema: Schema, random: Random): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(random, schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(options.find((o) => o.type !== 'null') ?? options[0]!, random);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'email') return `fuzz-${hex(random, 8)}@example.test`;
      if (schema.format === 'uuid') return uuid(random);
      if (schema.format === 'date-time')
        return new Date(Date.UTC(2026, 0, 1 + int(random, 300))).toISOString();
      if (schema.pattern?.includes('\\d{6}')) return String(100_000 + int(random, 900_000));
      if (schema.pattern?.includes('[a-z]{2,3}')) return pick(random, ['en', 'pt-BR', 'de']);
      const length = Math.min(Math.max(schema.minLength ?? 1, 1 + int(random, 12)), schema.maxLength ?? 64);
      return Array.from({ length }, () => pick(random, [...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return random() < 0.5;
    case 'array':
      return schema.items ? [sample(schema.items, random)] : [];
    case 'object': {
      const out: Json = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(name) || random() < 0.5) out[name] = sample(property, random);
      }
      return out;
    }
    default:
      return 'x';
  }
}

/** One request to send: already encoded path and query, headers, and a raw body. */
export interface FuzzCase {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

/** Hostile values for one field, whatever its declared type. */
const hostileValues = (random: Random, schema: Schema): [string, unknown][] => {
  const values: [string, unknown][] = [
    ['number', 42],
    ['float', 1.5],
    ['negative', -1],
    ['huge number', 1e308],
    ['boolean', true],
    ['null', null],
    ['array', ['a', 1]],
    ['object', { $ne: 1 }],
    ['empty string', ''],
    ['NUL', `a\u0000b`],
    ['unpaired high surrogate', '\ud800x'],
    ['unpaired low surrogate', 'x\udfff'],
    ['huge string', 'x'.repeat(200_000)],
    ['nested 20', deepObject(20)],
    ['control characters', '\u0001\u0007\u001b[31m\r\n'],
    ['unicode', 'Zoë 😀 中文 \u202e'],
    ['sql-ish', "' OR 1=1 --"],
    ['template', '$' + '{7*7}{{7*7}}'],
  ];
  if (schema.format === 'uuid') values.push(['uuid-ish', `${uuid(random)}x`]);
  if (schema.format === 'email')
    values.push(['email-ish', 'a@b'], ['long email', `${'a'.repeat(300)}@example.test`]);
  return values;
};

const encodeQuery = (pairs: [string, string][]): string =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/**
 * The malformed requests for one operation (at least 30 before the token dimension doubles them):
 * generic hostile requests, every field of the body broken one way or another, bad path and query
 * values. `path` placeholders are filled with plausible values except where a case breaks them.
 */
export function casesFor(op: Operation, random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const pathWith = (overrides: Record<string, string> = {}) =>
    op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (name in overrides) return overrides[name]!;
      const param = op.pathParams.find((p) => p.name === name);
      return encodeURIComponent(String(param ? sample(param.schema, random) : 'x'));
    });
  const baseQuery = (): [string, string][] =>
    op.queryParams
      .filter((q) => q.required || random() < 0.3)
      .map((q) => [q.name, String(sample(q.schema, random))]);
  const withQuery = (path: string, pairs: [string, string][]) =>
    pairs.length ? `${path}?${encodeQuery(pairs)}` : path;
  const basePath = () => withQuery(pathWith(), baseQuery());
  const json: Record<string, string> = { 'content-type': op.body?.mediaType ?? 'application/json' };
  const idem: Record<string, string> = op.idempotent ? { 'idempotency-key': `fuzz-${hex(random, 12)}` } : {};
  const add = (label: string, init: Partial<FuzzCase> = {}) =>
    cases.push({
      label,
      method: op.method,
      path: init.path ?? basePath(),
      headers: { ...init.headers },
      body: init.body,
    });
  const baseBody = () => (op.body ? sample(op.body.schema, random) : {});
  const asBody = (value: unknown) =>
    op.body && op.body.mediaType !== 'application/json'
      ? new URLSearchParams(
          Object.entries(value as Json).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString()
      : JSON.stringify(value);

  // Bodies: not JSON, not declared as JSON, the wrong shape, too big, too deep.
  add('invalid JSON (truncated)', { headers: json, body: '{"a":' });
  add('invalid JSON (single quotes)', { headers: json, body: "{'a':1}" });
  add('invalid JSON (trailing garbage)', { headers: json, body: '{"a":1}}}' });
  add('invalid JSON (NaN)', { headers: json, body: '{"a":NaN}' });
  add('invalid JSON (raw NUL)', { headers: json, body: '{"a":"\u0000"}' });
  add('empty body declared as JSON', { headers: json, body: '' });
  add('JSON null', { headers: json, body: 'null' });
  add('JSON array', { headers: json, body: '[{}]' });
  add('JSON string', { headers: json, body: '"str"' });
  add('JSON number', { headers: json, body: '0' });
  add('__proto__ key', { headers: json, body: '{"__proto__":{"admin":true}}' });
  add('constructor.prototype key', { headers: json, body: '{"constructor":{"prototype":{"admin":true}}}' });
  add('no Content-Type', { body: new TextEncoder().encode(asBody(baseBody())) });
  add('text/plain', { headers: { 'content-type': 'text/plain' }, body: asBody(baseBody()) });
  add('form-encoded', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
  add('xml', { headers: { 'content-type': 'application/xml' }, body: '<a>1</a>' });
  add('JSON with utf-16 charset', {
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: '{}',
  });
  add('invalid media type', { headers: { 'content-type': '/;;;' }, body: '{}' });
  add('2 MB body', { headers: json, body: JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }) });
  add('nested 5,000 levels with Idempotency-Key', {
    headers: { ...json, 'idempotency-key': `deep-${hex(random, 8)}` },
    body: `{"a":${deepArray(5_000)}}`,
  });
  add('nested 40 levels', { headers: json, body: JSON.stringify({ a: deepObject(40) }) });
  add('1,000 unknown keys', {
    headers: json,
    body: JSON.stringify({
      ...(baseBody() as Json),
      ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
    }),
  });
  // Headers: credentials and ids that are not what they claim to be.
  add('Authorization without token', { headers: { authorization: 'Bearer' } });
  add('Basic credentials', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
  add('garbage bearer token', { headers: { authorization: 'Bearer abc.def.ghi' } });
  add('alg none token', {
    headers: {
      authorization: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x","roles":["admin"]}').toString('base64url')}.`,
    },
  });
  add('huge bearer token', { headers: { authorization: `Bearer ${'a'.repeat(6000)}` } });
  add('hostile X-Request-Id', { headers: { 'x-request-id': `<script>${'x'.repeat(300)}` } });
  add('bad Idempotency-Key', {
    headers: { ...json, 'idempotency-key': `\u00e9${'k'.repeat(300)}` },
    body: asBody(baseBody()),
  });
  add('bad If-None-Match', { headers: { 'if-none-match': '"\\' } });
  add('foreign Origin with cookies', {
    headers: { origin: 'https://evil.example', cookie: 'll_refresh=%ZZ%00; ll_csrf=\u00ff' },
  });
  add('method override header', { headers: { 'x-http-method-override': 'DELETE' } });
  // URLs: the route's path bent out of shape, junk in the query.
  add('trailing slash', { path: `${pathWith()}/` });
  add('upper-case path', { path: pathWith().toUpperCase() });
  add('dot segments', { path: `${pathWith()}/..%2F..%2Fetc%2Fpasswd` });
  add('matrix parameter', { path: `${pathWith()};jsessionid=1` });
  add('NUL in query', { path: `${pathWith()}?zz=%00&a=%ED%A0%80` });
  add('bad percent-encoding in query', { path: `${pathWith()}?a=%ZZ&%=1` });
  add('huge query', { path: `${pathWith()}?q=${'x'.repeat(6000)}` });
  add('repeated and bracketed query keys', { path: `${pathWith()}?a=1&a=2&a[]=3&b[c]=1` });
  add('prototype keys in query', { path: `${pathWith()}?__proto__[x]=1&constructor[prototype][x]=1` });

  if (op.body) {
    const schema = op.body.schema;
    const properties = Object.entries(schema.properties ?? {});
    const headers = { ...json, ...idem };
    add('extra field', {
      headers,
      body: asBody({ ...(baseBody() as Json), x_extra: 1, userId: uuid(random) }),
    });
    add('empty object', { headers, body: asBody({}) });
    for (const name of schema.required ?? []) {
      const body = baseBody() as Json;
      delete body[name];
      add(`missing ${name}`, { headers, body: asBody(body) });
    }
    for (const [name, property] of properties) {
      // Every field gets a few hostile values (a seeded choice among all of them, NUL and surrogates always).
      const values = hostileValues(random, property);
      const chosen = values.filter(([label]) => /NUL|surrogate|huge string/.test(label));
      while (chosen.length < 6) chosen.push(pick(random, values));
      for (const [label, value] of chosen) {
        add(`${name}: ${label}`, { headers, body: asBody({ ...(baseBody() as Json), [name]: value }) });
      }
    }
  } else {
    add('unexpected JSON body', { headers: json, body: '{"x":1}' });
  }

  for (const param of op.pathParams) {
    for (const [label, value] of [
      ['not a uuid', 'not-a-uuid'],
      ['bad percent-encoding', '%ZZ'],
      ['150 characters', 'a'.repeat(150)],
      ['NUL', '%00'],
      ['encoded slash', '..%2F..%2Fpackage.json'],
      ['emoji', '%F0%9F%98%80'],
      ['unpaired surrogate (CESU)', '%ED%A0%80'],
      ['random uuid', uuid(random)],
      ['number', '12345'],
    ] as const) {
      add(`path ${param.name}: ${label}`, {
        path: withQuery(pathWith({ [param.name]: value }), baseQuery()),
      });
    }
  }

  for (const param of op.queryParams) {
    // NUL and bad encoding always; a seeded few of the rest (operations with many parameters add up).
    const always = [
      ['NUL', '%00'],
      ['NUL inside', 'a%00b'],
      ['bad percent-encoding', '%ZZ'],
    ] as const;
    const some = [
      ['huge', 'x'.repeat(5000)],
      ['not a number', 'abc'],
      ['negative', '-1'],
      ['overflow', '1e999'],
      ['float', '1.5'],
      ['empty', ''],
      ['unicode', '%F0%9F%98%80'],
    ] as const;
    for (const [label, value] of [...always, ...some.filter(() => random() < 0.4)]) {
      add(`query ${param.name}: ${label}`, { path: `${pathWith()}?${param.name}=${value}` });
    }
    add(`query ${param.name}: repeated`, { path: `${pathWith()}?${param.name}=a&${param.name}=b` });
  }
  return cases;
}
