import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AdminActionsController } from './admin-actions.controller.js';
import { ClusterEventsController } from './cluster-events.controller.js';
import { ClusterEventsService } from './cluster-events.service.js';
import { ClusterController } from './cluster.controller.js';
import { ClusterHealthIndicator } from './cluster.health.js';
import { ConfigController } from './config.controller.js';
import { DistViewsController } from './dist-views.controller.js';
import { DrainHealthIndicator } from './drain.health.js';
import { HealthController } from './health.controller.js';
import { ProcessHealthIndicator } from './process.health.js';
import { StatsController } from './stats.controller.js';

/** The management API (docs/api.md §2). Terminus logs nothing: a 503 probe is an answer, not an error. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MetricsModule],
  controllers: [
    HealthController,
    StatsController,
    ConfigController,
    DistViewsController,
    ClusterController,
    ClusterEventsController,
    AdminActionsController,
  ],
  providers: [DrainHealthIndicator, ClusterHealthIndicator, ProcessHealthIndicator, ClusterEventsService],
})
export class AdminModule {}
