// `prisma generate` for the service whose directory this runs in (each service's `generate` script:
// `node ../../scripts/prisma-generate.mjs`), safe to run from several npm scripts at once. turbo (and
// people) start typecheck, tests and build in parallel; each runs this first. A stamp of the schema's
// hash skips work that is already done, and a lock directory keeps two runs from writing the
// generated client at the same time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const prismaDir = join(root, 'prisma');
const outDir = join(root, 'src/generated');
const stampFile = join(outDir, 'prisma/.schema-hash');
const lockDir = join(outDir, '.generate.lock');

// Every .prisma file (one schema.prisma or a schema folder), in a fixed order, with its name (a
// renamed file counts), and the Prisma config.
const schemaHash = () => {
  const hash = createHash('sha256');
  const files = readdirSync(prismaDir, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.prisma'))
    .sort();
  for (const name of files) hash.update(name).update(readFileSync(join(prismaDir, name)));
  hash.update(readFileSync(join(root, 'prisma.config.ts')));
  return hash.digest('hex');
};
const readStamp = () => {
  try {
    return readFileSync(stampFile, 'utf8');
  } catch {
    return '';
  }
};

const wanted = schemaHash();
if (readStamp() === wanted) process.exit(0);

mkdirSync(outDir, { recursive: true });
const deadline = Date.now() + 120_000;
for (;;) {
  try {
    mkdirSync(lockDir);
    break;
  } catch {
    // A lock older than the deadline is left over from a killed run.
    const age = Date.now() - statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
    if (age > 120_000) rmSync(lockDir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}
try {
  if (readStamp() !== wanted) {
    // Generation needs no database, but Prisma still wants a schema engine: point it at a no-op
    // binary (offline machines). Never do this for `migrate`: it would silently apply nothing.
    const result = spawnSync('prisma', ['generate'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/usr/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
    writeFileSync(stampFile, wanted);
  }
} finally {
  rmSync(lockDir, { recursive: true, force: true });
}
