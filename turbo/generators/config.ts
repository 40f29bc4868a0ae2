import { existsSync } from 'node:fs';
import type { PlopTypes } from '@turbo/gen';

// `npx turbo gen service --args <name>`: a new service on the runtime (packages/platform/src/runtime)
// that builds, starts, answers `<name>.qry.Health` and passes its generated tests. Nothing else to
// edit: the ops CLI, `npm run dev`, the e2e cluster and the deploy tests discover it from its
// package.json. Then `npm install` (links the workspace) and add its variables to .env.example.
export default function generator(plop: PlopTypes.NodePlopAPI): void {
  plop.setGenerator('service', {
    description: 'A Ledgerline service: definition, config, main, a Health int test and a config unit test',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Service name (lower-case, e.g. invoices)',
        validate: (input: string) => {
          if (!/^[a-z][a-z0-9-]{1,30}$/.test(input))
            return 'lower-case letters, digits and -, 2 to 31 characters';
          if (existsSync(`services/${input}`)) return `services/${input} already exists`;
          return true;
        },
      },
    ],
    actions: [
      {
        type: 'addMany',
        destination: '{{ turbo.paths.root }}/services/{{ name }}',
        base: 'templates/service',
        templateFiles: 'templates/service/**/*.hbs',
        stripExtensions: ['hbs'],
        globOptions: { dot: true },
      },
      () =>
        'Created. Next: `npm install` (links the new workspace), then `npm run typecheck` and its tests. ' +
        'For deployment add it to docker-compose.yml and the Helm values (see README, "Adding a service").',
    ],
  });
}
