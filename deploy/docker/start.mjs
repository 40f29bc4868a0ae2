// Container entry point: runs services/<SERVICE>/dist/main.js in this process, so node stays PID 1
// and receives SIGTERM directly (each service drains on it). One image serves every service.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const servicesDir = fileURLToPath(new URL('../../services/', import.meta.url));
const service = process.env.SERVICE ?? '';
const entry = `${servicesDir}${service}/dist/main.js`;

if (!/^[a-z][a-z0-9-]*$/.test(service) || !existsSync(entry)) {
  const known = readdirSync(servicesDir).filter((name) => existsSync(`${servicesDir}${name}/dist/main.js`));
  console.error(`SERVICE must name a built service (${known.join(', ')}); got "${service}"`);
  process.exit(64);
}

await import(pathToFileURL(entry).href);
