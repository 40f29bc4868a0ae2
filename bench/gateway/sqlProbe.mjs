// Temporary probe: counts and times pg queries per statement kind; dumps on exit.
import pg from 'pg';

const stats = new Map();
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, cb) {
  const text = typeof config === 'string' ? config : config?.text;
  const key = (text ?? '?').replace(/\s+/g, ' ').slice(0, 90);
  const t0 = performance.now();
  const r = orig.call(this, config, values, cb);
  const done = () => {
    const s = stats.get(key) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += performance.now() - t0;
    stats.set(key, s);
  };
  if (r && typeof r.then === 'function') r.then(done, done);
  return r;
};
let waits = { n: 0, ms: 0 };
const oc = pg.Pool.prototype.connect;
pg.Pool.prototype.connect = function (cb) {
  const t0 = performance.now();
  const r = oc.call(this, cb);
  if (r && typeof r.then === 'function')
    r.then(
      () => {
        waits.n++;
        waits.ms += performance.now() - t0;
      },
      () => {},
    );
  return r;
};
const dump = () => {
  if (stats.size === 0) return;
  const rows = [...stats].sort((a, b) => b[1].n - a[1].n).slice(0, 14);
  console.error(`[sqlProbe ${process.pid}] ---- ${new Date().toISOString()}`);
  console.error(
    `[sqlProbe ${process.pid}] pool.connect n=${waits.n} avg=${(waits.ms / Math.max(1, waits.n)).toFixed(2)}ms`,
  );
  for (const [k, s] of rows) console.error(`[sqlProbe] n=${s.n} avg=${(s.ms / s.n).toFixed(2)}ms ${k}`);
};
process.on('exit', dump);
setInterval(() => {
  dump();
  stats.clear();
  waits = { n: 0, ms: 0 };
}, 4000).unref();
process.on('SIGUSR2', dump);
