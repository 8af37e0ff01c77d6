import type { Logger } from '../../logger';

/** Runs `task` every `intervalMs`, never two runs at once; `stop()` waits for a run in progress. */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    // Jobs never keep a process alive on their own.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.task()
      .catch((err: unknown) => this.logger.warn({ err, job: this.name }, 'periodic job failed'))
      .finally(() => (this.running = undefined));
    await this.running;
  }
}
