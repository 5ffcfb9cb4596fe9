import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CLOCK, PROCESS_INFO } from '../seams/tokens.js';
import type { Clock } from '../core/time/clock.js';
import type { ProcessInfo } from '../seams/process-info.js';

/** Liveness indicator `process`: up whenever the event loop can answer. */
@Injectable()
export class ProcessHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(CLOCK) private readonly clock: Clock, @Inject(PROCESS_INFO) private readonly info: ProcessInfo,
  ) {}

  check() {
    const uptime_s = Math.floor((this.clock.now() - this.info.startedAt) / 1000);
    return this.health.check('process').up({ uptime_s });
  }
}
