/**
 * A background round repeated on a timer (schedulers that claim work from a table): the next round is
 * planned only after the previous one ended, a failed round is logged and the loop goes on, and `stop()`
 * ends it so no round starts afterwards.
 */
import type { Logger } from 'pino';

export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly options: { intervalMs: number; logger: Logger; name: string },
  ) {}

  start(): void {
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.round();
      } catch (error) {
        this.options.logger.error({ err: error }, `${this.options.name} round failed`);
      }
      if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs);
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
