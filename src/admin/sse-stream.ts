import type { ServerResponse } from 'node:http';

/** Time a stream that was ended gets to flush before its connection is cut (a stalled client). */
const END_GRACE_MS = 1000;

/**
 * One `text/event-stream` response (docs/api.md §2.7). Frames go straight to the socket while it
 * keeps up; under backpressure they wait in a queue of at most `maxPending`, and one more ends the
 * stream (the client reconnects and gets fresh snapshots). send() never blocks the publisher.
 */
export class SseStream {
  private readonly pending: string[] = [];
  private blocked = false;
  private ended = false;
  private readonly closed: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxPending: number,
    private readonly onEnd: () => void,
  ) {
    res.on('drain', () => this.flush());
    this.closed = new Promise((resolve) =>
      res.once('close', () => {
        this.finish();
        resolve();
      }),
    );
  }

  send(frame: string): void {
    if (this.ended) return;
    if (!this.blocked) {
      this.blocked = !this.res.write(frame);
    } else if (this.pending.length < this.maxPending) {
      this.pending.push(frame);
    } else {
      void this.end();
    }
  }

  /** Ends the response; resolves once the connection let go of it (cut after a short grace). */
  end(): Promise<void> {
    if (!this.ended) {
      this.finish();
      this.res.end();
      const cut = setTimeout(() => this.res.destroy(), END_GRACE_MS);
      void this.closed.then(() => clearTimeout(cut));
    }
    return this.closed;
  }

  /** Runs once, at end() or when the client goes away: no frame is accepted after it. */
  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending.length = 0;
    this.onEnd();
  }

  private flush(): void {
    this.blocked = false;
    while (!this.blocked && this.pending.length > 0) this.blocked = !this.res.write(this.pending.shift()!);
  }
}
