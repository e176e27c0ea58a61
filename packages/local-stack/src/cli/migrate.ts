/**
 * `pnpm migrate <latest|up|down|status> [service…]`: runs services' migrations against DATABASE_URL, or
 * against the embedded Postgres of the local stack when it is unset.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceName, serviceNames } from '@cartwatch/common-types';
import { resolveInfrastructure } from '../infrastructure.js';
import { prefixFor, runToCompletion } from '../service-processes.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataDir = path.resolve(process.env.CARTWATCH_DATA_DIR ?? path.join(repoRoot, '.data'));
const [command = 'latest', ...names] = process.argv.slice(2);

async function main(): Promise<number> {
  if (!['latest', 'up', 'down', 'status'].includes(command)) {
    process.stderr.write('usage: pnpm migrate <latest|up|down|status> [service…]\n');
    return 2;
  }
  const parsed = names.map((name) => ServiceName.safeParse(name));
  const unknown = names.filter((_, index) => !parsed[index]?.success);
  if (unknown.length > 0) {
    process.stderr.write(`unknown service(s): ${unknown.join(', ')}; known: ${serviceNames.join(', ')}\n`);
    return 2;
  }
  const selected = names.length > 0 ? (names as ServiceName[]) : [...serviceNames];
  const infrastructure = await resolveInfrastructure({
    dataDir,
    env: process.env,
    log: (line) => process.stdout.write(`${line}\n`),
    needs: { nats: false },
  });
  // Embedded Postgres runs in its own process group, so a Ctrl-C reaches only this process (and the
  // migration running in the foreground): stop Postgres, wait for it, then exit.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      void infrastructure.stop().then(
        () => process.exit(130),
        () => process.exit(1),
      );
    });
  }
  try {
    for (const [index, name] of selected.entries()) {
      const code = await runToCompletion(process.execPath, ['dist/migrate.js', command], {
        env: { ...process.env, DATABASE_URL: infrastructure.databaseUrl },
        cwd: path.join(repoRoot, 'services', name),
        prefix: prefixFor(name, index),
      });
      if (code !== 0) return code;
    }
    return 0;
  } finally {
    await infrastructure.stop();
  }
}

process.exitCode = await main();
