/**
 * What an app opens for itself (a Redis client, a realtime hub) is registered here with its disposer,
 * so it has a close path: the process disposes them in reverse order after the HTTP drain, and a test's
 * `createAppFromEnv(...).close()` does the same. Hooks given to `onDrainStart` run when shutdown begins,
 * before the drain waits for open requests (SSE streams end there; clients reconnect elsewhere).
 * docs/architecture.md#service-shape.
 */
import type { Logger } from 'pino';

interface Resource {
  name: string;
  dispose(): unknown;
}

export class AppResources {
  readonly #resources: Resource[] = [];
  readonly #drainHooks: Array<() => void> = [];
  #disposed: Promise<void> | undefined;

  /** Registers `value` (returned as is) to be disposed with `dispose` when the app closes. */
  add<T>(name: string, value: T, dispose: (value: T) => unknown): T {
    if (this.#disposed) throw new Error(`the app's resources are already disposed; cannot add ${name}`);
    this.#resources.push({ name, dispose: () => dispose(value) });
    return value;
  }

  /** Runs `hook` when shutdown begins, before the HTTP drain. */
  onDrainStart(hook: () => void): void {
    this.#drainHooks.push(hook);
  }

  /** Runs the drain hooks (each once; one that throws does not stop the others). */
  drainStarted(logger?: Logger): void {
    for (const hook of this.#drainHooks.splice(0)) {
      try {
        hook();
      } catch (err) {
        logger?.error({ err }, 'a drain hook failed');
      }
    }
  }

  /**
   * Disposes every resource, last added first; a failing disposer is logged and the rest still run.
   * Calling it again returns the same run. Rejects after all ran if any failed.
   */
  dispose(logger?: Logger): Promise<void> {
    this.#disposed ??= (async () => {
      const failed: string[] = [];
      for (const resource of this.#resources.reverse()) {
        try {
          await resource.dispose();
        } catch (err) {
          failed.push(resource.name);
          logger?.error({ err, resource: resource.name }, 'closing an app resource failed');
        }
      }
      if (failed.length > 0) throw new Error(`could not close: ${failed.join(', ')}`);
    })();
    return this.#disposed;
  }
}
