/** Entry of `pnpm --filter @cartwatch/gateway create-admin --email <address> [--password <password>]`. */
import { runCreateAdmin } from './create-admin.command.js';

process.exitCode = await runCreateAdmin({ argv: process.argv.slice(2), env: process.env });
