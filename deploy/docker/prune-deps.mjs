// Image build helper: keeps in node_modules only the packages a runnable workspace (services/*,
// tools/*) can reach at run time, and deletes the rest.
//
//   node deploy/docker/prune-deps.mjs [root]                 prune <root> (default: cwd)
//   node deploy/docker/prune-deps.mjs --workspaces [root]    print the reachable workspace dirs
//
// Pruning removes: unreachable packages and workspaces; optional native builds for the other libc
// (`*-musl` on glibc and the reverse); files nothing loads at run time inside node_modules (source
// maps, type declarations, markdown, @types); and Prisma's query compilers for the databases no
// generated client of a reachable workspace imports (the client ships one per database, ~60 MB).
//
// Why not `npm ci --omit=dev` alone: npm installs every workspace's dependencies (packages/testing's
// testcontainers and ssh2, although only dev edges lead to it) and every optional peer it can
// (@prisma/client's `prisma` CLI with Studio, pglite, effect, typescript: ~250 MB nobody imports).
// Reachable = `dependencies`, `optionalDependencies` and required `peerDependencies`, resolved the way
// Node resolves them (nearest node_modules upwards), starting from each runnable workspace.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const listOnly = args.includes('--workspaces');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const runnable = ['services', 'tools'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .map((name) => join(root, group, name))
        .filter((dir) => existsSync(join(dir, 'package.json')))
    : [],
);

/** The directory Node would load `name` from, seen from `fromDir`; undefined when absent. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

const glibc = Boolean(process.report?.getReport().header.glibcVersionRuntime);
const otherLibc = glibc ? /-musl(-|$)/ : /-(gnu|glibc)(-|$)/;
const runtimeDependencies = (manifest) => {
  const optionalPeers = manifest.peerDependenciesMeta ?? {};
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optionalPeers[n]?.optional);
  const optional = Object.keys(manifest.optionalDependencies ?? {}).filter((n) => !otherLibc.test(n));
  return [...Object.keys(manifest.dependencies ?? {}), ...optional, ...peers];
};

const reachable = new Set();
const queue = runnable.map((dir) => realpathSync(dir));
while (queue.length > 0) {
  const dir = queue.pop();
  if (reachable.has(dir)) continue;
  reachable.add(dir);
  for (const name of runtimeDependencies(readJson(join(dir, 'package.json')))) {
    const found = resolvePackage(name, dir);
    if (found) queue.push(found);
    // An absent optional dependency (another platform's binary) is fine; a required one is not.
  }
}

const rootReal = realpathSync(root);
const isWorkspace = (dir) => !relative(rootReal, dir).split('/').includes('node_modules');
if (listOnly) {
  const workspaces = [...reachable].filter(isWorkspace).map((dir) => relative(rootReal, dir));
  console.log(workspaces.sort().join('\n'));
  process.exit(0);
}

let removed = 0;
/** Walks a node_modules folder: drops unreachable packages, recurses into the kept ones. */
function prune(nodeModules) {
  if (!existsSync(nodeModules)) return;
  for (const entry of readdirSync(nodeModules)) {
    if (entry === '.bin' || entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    const real = existsSync(path) ? realpathSync(path) : undefined;
    if (real && reachable.has(real)) {
      if (!lstatSync(path).isSymbolicLink()) prune(join(path, 'node_modules'));
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    removed += 1;
  }
}
prune(join(root, 'node_modules'));
for (const dir of reachable) if (isWorkspace(dir)) prune(join(dir, 'node_modules'));

// Workspaces no runnable one depends on (packages/testing, deploy, e2e, bench): whole folders.
for (const pattern of readJson(join(root, 'package.json')).workspaces ?? []) {
  const parent = join(root, pattern.replace(/\/\*$/, ''));
  const dirs =
    pattern.endsWith('/*') && existsSync(parent) ? readdirSync(parent).map((n) => join(parent, n)) : [parent];
  for (const dir of dirs) {
    if (existsSync(join(dir, 'package.json')) && !reachable.has(realpathSync(dir))) {
      rmSync(dir, { recursive: true, force: true });
      removed += 1;
    }
  }
}

const junk = /(\.map|\.d\.[cm]?ts|\.md|\.markdown)$/i;
let bytes = 0;
/** Deletes, below `dir`, the files nothing loads at run time, and every @types package. */
function trim(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (entry.name === '@types') {
        rmSync(path, { recursive: true, force: true });
      } else {
        trim(path);
      }
    } else if (junk.test(entry.name)) {
      bytes += lstatSync(path).size;
      rmSync(path);
    }
  }
}
for (const dir of [root, ...[...reachable].filter(isWorkspace)]) {
  if (existsSync(join(dir, 'node_modules'))) trim(join(dir, 'node_modules'));
}

// Prisma: keep the query compilers that some compiled workspace code names.
const prismaRuntime = join(root, 'node_modules/@prisma/client/runtime');
if (existsSync(prismaRuntime)) {
  const wanted = new Set();
  const scan = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') scan(path);
      else if (entry.isFile() && /\.[cm]?js$/.test(entry.name)) {
        for (const m of readFileSync(path, 'utf8').matchAll(/runtime\/(query_compiler_[\w.-]+?\.[cm]?js)/g)) {
          wanted.add(m[1]);
        }
      }
    }
  };
  for (const dir of [...reachable].filter(isWorkspace))
    if (existsSync(join(dir, 'dist'))) scan(join(dir, 'dist'));
  if (wanted.size > 0) {
    for (const name of readdirSync(prismaRuntime)) {
      if (/^(query_compiler|wasm-compiler)/.test(name) && !wanted.has(name)) {
        bytes += lstatSync(join(prismaRuntime, name)).size;
        rmSync(join(prismaRuntime, name));
      }
    }
  }
  console.log(
    `prune-deps: Prisma query compilers kept: ${[...wanted].sort().join(', ') || 'all (none named)'}`,
  );
}
console.log(
  `prune-deps: kept ${reachable.size} packages, removed ${removed}, trimmed ${Math.round(bytes / 1e6)} MB of files`,
);
