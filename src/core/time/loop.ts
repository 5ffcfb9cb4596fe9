import { type Cancel, type Scheduler, systemScheduler } from './scheduler.js';

/**
 * A background loop (docs/cluster.md §11): ticks never overlap (a tick that finds the previous run
 * still going is skipped) and an error in one iteration is reported and the loop goes on.
 */
export class PeriodicLoop {
  private running = false;
  private cancel?: Cancel;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly body: () => void | Promise<void>,
    private readonly onError: (name: string, err: unknown) => void,
    private readonly scheduler: Scheduler = systemScheduler,
    /** A tick found the previous run still going and was skipped. */
    private readonly onSkipped: () => void = () => {},
  ) {}

  start(): void {
    if (!this.cancel) this.cancel = this.scheduler.every(this.intervalMs, () => void this.tick());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Runs one iteration now unless one is in progress. */
  async tick(): Promise<void> {
    if (this.running) {
      this.onSkipped();
      return;
    }
    this.running = true;
    try {
      await this.body();
    } catch (err) {
      this.onError(this.name, err);
    } finally {
      this.running = false;
    }
  }
}
