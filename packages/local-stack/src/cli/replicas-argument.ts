/** The `--replicas` argument of `pnpm start` (cli/start.ts). */

/** `--replicas N` / `--replicas=N` among the arguments; 1 when absent, undefined when not a whole number 1-8. */
export function replicasArgument(args: readonly string[]): number | undefined {
  const index = args.findIndex((arg) => arg === '--replicas' || arg.startsWith('--replicas='));
  if (index < 0) return 1;
  const arg = args[index] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
  const replicas = Number(value);
  return Number.isInteger(replicas) && replicas >= 1 && replicas <= 8 ? replicas : undefined;
}
