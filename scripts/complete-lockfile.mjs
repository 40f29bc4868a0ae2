#!/usr/bin/env node
// The npm registry reachable from Ledgerline's build machines mirrors only Linux builds of
// platform-specific optional packages (@biomejs/cli-darwin-arm64, @swc/core-win32-x64-msvc, …).
// npm then leaves those entries out of package-lock.json, and `npm ci` refuses a lockfile that
// lacks any optional dependency, even one it would never install here. This adds the missing
// entries with the platform they are for (read from the package name), so `npm ci` accepts the
// lockfile on every machine and skips them where the platform does not match, as usual.
// Run it after `npm install` changes dependencies: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openbsd', 'sunos', 'aix', 'netbsd', 'wasi'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 'riscv64', 's390x', 'loong64', 'mips64el', 'wasm32'];

/** Reads `{ os, cpu, libc }` from a name such as `@biomejs/cli-linux-x64-musl` or `turbo-darwin-64`. */
function platformOf(name) {
  const tokens = name.split('/').pop().split(/[-_.]/);
  const os =
    OS.find((o) => tokens.includes(o)) ??
    (tokens.includes('windows') || tokens.includes('win')
      ? 'win32'
      : tokens.includes('macos')
        ? 'darwin'
        : undefined);
  let cpu = CPU.find((c) => tokens.includes(c));
  if (!cpu && tokens.includes('64')) cpu = tokens.includes('arm') ? 'arm64' : 'x64';
  if (!cpu && tokens.includes('amd64')) cpu = 'x64';
  const libc = tokens.includes('musl')
    ? 'musl'
    : os === 'linux' && tokens.includes('gnu')
      ? 'glibc'
      : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => lock.packages[c])) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && !cpu) continue; // not a platform build: leave npm's judgement alone
    lock.packages[`node_modules/${dep}`] = {
      version,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
