import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { MetricsController } from './metrics.controller.js';
import { cacheLatencySink, registerNodeMetrics } from './node-metrics.js';

/** Registers the node collectors and points the core's latency hook at the histogram. */
@Injectable()
class NodeMetricsBinding implements OnModuleInit {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  onModuleInit(): void {
    registerNodeMetrics();
    this.node.useLatencySink(cacheLatencySink());
  }
}

/*
 * PrometheusModule.register() turns on prom-client's default process_/nodejs_ collectors in the
 * process-wide registry, which throws when done twice (modules re-evaluated by the test runner):
 * only a registry without them gets them.
 */
const prometheus = PrometheusModule.register({
  controller: MetricsController,
  defaultMetrics: { enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined },
});

/** The management listener's metrics: `/metrics` plus the collectors it renders. */
@Module({ imports: [prometheus], providers: [NodeMetricsBinding] })
export class MetricsModule {}
