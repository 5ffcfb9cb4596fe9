import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import { ClusterHealthIndicator } from './cluster.health.js';
import { DrainHealthIndicator } from './drain.health.js';
import { HealthReportFilter } from './health-report.filter.js';
import { ProcessHealthIndicator } from './process.health.js';

/** Terminus probes (CONTRACT §5.2); public, credentials are not examined. */
@ApiTags('health')
@Controller('health')
@Public()
@UseFilters(HealthReportFilter)
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly drain: DrainHealthIndicator,
    private readonly cluster: ClusterHealthIndicator,
    private readonly process: ProcessHealthIndicator,
  ) {}

  /** `/health` and `/health/ready` are the same readiness check (two handlers: one operation each). */
  @Get()
  @HealthCheck()
  health() {
    return this.ready();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.checks.check([() => this.drain.check(), () => this.cluster.check()]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.checks.check([() => this.process.check()]);
  }
}
