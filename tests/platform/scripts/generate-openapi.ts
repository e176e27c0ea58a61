/**
 * Writes packages/api-contract/openapi.json: the gateway's merged `/openapi.json`, built in this process
 * from the real apps of all seven services (each upstream app on an ephemeral loopback port, the gateway
 * app merging their `/internal/openapi.json` exactly as in production). Building an app opens no database
 * or NATS connection, so nothing else has to run. `--check` fails when the committed file is stale;
 * test/openapi.test.ts holds the same. Clients build from the committed contract
 * (docs/architecture.md#the-web-client), never from the services' code.
 *
 *   pnpm api:generate   (this, then the web app's types from it)
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { contractFile, mergedOpenApi } from '../test/merged-openapi.js';

const check = process.argv.includes('--check');
// Never contacted: building an app creates lazy pools only.
const document = await mergedOpenApi({
  SERVICE_KEY: randomBytes(32).toString('hex'),
  DATABASE_URL: 'postgres://openapi@127.0.0.1:1/unused',
  NATS_URL: 'nats://127.0.0.1:1',
  LOG_LEVEL: 'silent',
});
const text = `${JSON.stringify(document, null, 2)}\n`;
if (check) {
  // Compared as JSON: `pnpm api:generate` formats the file it writes (biome), so the text differs.
  const committed: unknown = JSON.parse(await readFile(contractFile, 'utf8').catch(() => 'null'));
  if (!isDeepStrictEqual(committed, document)) {
    console.error('packages/api-contract/openapi.json is stale: run `pnpm api:generate` and commit it.');
    process.exit(1);
  }
  console.log('packages/api-contract/openapi.json is current');
} else {
  await writeFile(contractFile, text);
  console.log(`wrote ${contractFile.pathname}`);
}
