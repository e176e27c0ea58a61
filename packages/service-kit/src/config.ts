/**
 * Env configuration: every service parses `process.env` once at start with a zod schema and stops with ONE
 * message listing every bad variable (docs/architecture.md#operations), instead of failing on the first one it trips over.
 */
import type { z } from 'zod';

export interface ConfigProblem {
  /** The env variable (or dotted path for nested schemas; `(config)` for whole-config rules). */
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.variable}: ${p.problem}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}

/**
 * Empty strings count as unset: `REDIS_URL=` in a compose file or an empty k8s value means "not configured",
 * so defaults and optional handling apply instead of "invalid URL".
 */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') result[name] = value;
  }
  return result;
}

/**
 * Parses `env` with `schema`. Throws a `ConfigError` naming every bad variable at once. Messages never echo
 * values, because some variables are secrets.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = parseConfig(schema, env);
  if (result.success) return result.data;
  throw new ConfigError(result.problems);
}

/** Every problem `loadConfig` would refuse `env` for; `[]` when it loads. */
export function configProblems(schema: z.ZodObject, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const result = parseConfig(schema, env);
  return result.success ? [] : result.problems;
}

function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
): { success: true; data: z.output<S> } | { success: false; problems: ConfigProblem[] } {
  const input = withoutEmptyValues(env);
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  const problems = result.error.issues.map((issue): ConfigProblem => {
    const variable = issue.path.length === 0 ? '(config)' : issue.path.map(String).join('.');
    // A rule of the service's own (`custom`) says why the variable is needed; keep its message.
    const missing =
      issue.code !== 'custom' && issue.path.length === 1 && input[String(issue.path[0])] === undefined;
    return { variable, problem: missing ? 'is required but not set' : issue.message };
  });
  return { success: false, problems };
}

/** `loadConfig` for `main.ts`: on bad config prints one message to stderr and exits with status 1. */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(1);
  }
}

/** A variable production cannot do without, and what it provides (named in the refusal). */
export type ProductionRequirement<Variable extends string = string> = readonly [
  variable: Variable,
  provides: string,
];

/**
 * `requireInProduction(schema, [['SMTP_URL', 'e-mailed codes'], ...])`: with NODE_ENV=production, every
 * listed variable left unset is one problem naming it and what it provides, so production never falls
 * back to a development default (docs/configuration.md). The check runs even when other variables are
 * already invalid, so one start names every problem; a variable set but invalid keeps its own message.
 */
export function requireInProduction<S extends z.ZodObject>(
  schema: S,
  requirements: readonly ProductionRequirement<Extract<keyof z.output<S>, string>>[],
): S {
  return schema.superRefine(
    (config, context) => {
      const values = (config ?? {}) as Record<string, unknown>;
      if (values.NODE_ENV !== 'production') return;
      const reported = new Set(context.issues.map((issue) => String(issue.path?.[0])));
      for (const [variable, provides] of requirements) {
        if (values[variable] !== undefined || reported.has(variable)) continue;
        context.addIssue({
          code: 'custom',
          path: [variable],
          message: `is required in production: it provides ${provides}`,
        });
      }
    },
    { when: () => true },
  );
}
