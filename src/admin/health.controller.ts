import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import { ClusterHealthIndicator } from './cluster.health.js';
import { DrainHealthIndicator } from './drain.health.js';
import { HealthReportFilter } from './health-report.filter.js';
import { ProcessHealthIndicator } from './process.health.js';

/** Terminus probes (docs/api.md §2.1); public, credentials are not examined. */
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
  @ApiOperation({ summary: 'Readiness: 503 while draining or not yet joined' })
  health() {
    return this.ready();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness (same as /health); probes need no credentials' })
  ready() {
    return this.checks.check([() => this.drain.check(), () => this.cluster.check()]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: 200 while the process serves, draining included' })
  live() {
    return this.checks.check([() => this.process.check()]);
  }
}
