// A five-field cron matcher (minute hour day-of-month month day-of-week, UTC) for RECONCILE_CRON:
// `*`, `n`, `a-b`, `a,b`, and steps (`*/n`, `a-b/n`).

const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

const parseField = (field: string, [min, max]: readonly [number, number]): Set<number> => {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(Number)
          : [Number(range), Number(range)];
    if (
      ![from, to, step].every(Number.isInteger) ||
      step < 1 ||
      (from ?? -1) < min ||
      (to ?? max + 1) > max
    ) {
      throw new Error(`bad cron field "${field}"`);
    }
    for (let v = from ?? min; v <= (to ?? max); v += step) values.add(v);
  }
  return values;
};

/** The first minute strictly after `after` that matches `expression` (within ~4 years). */
export const nextCronTime = (expression: string, after: Date): Date => {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron needs five fields: "${expression}"`);
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) => parseField(f, RANGES[i] ?? [0, 0]));
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  for (let i = 0; i < 4 * 366 * 24 * 60; i++) {
    if (
      minutes?.has(t.getUTCMinutes()) &&
      hours?.has(t.getUTCHours()) &&
      days?.has(t.getUTCDate()) &&
      months?.has(t.getUTCMonth() + 1) &&
      weekdays?.has(t.getUTCDay())
    ) {
      return t;
    }
    t.setUTCMinutes(t.getUTCMinutes() + 1);
  }
  throw new Error(`cron "${expression}" never matches`);
};
