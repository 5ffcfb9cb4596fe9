import { Module } from '@nestjs/common';
import { BatchController } from './batch.controller.js';
import { BatchService } from './batch.service.js';
import { CacheController } from './cache.controller.js';
import { HealthzController } from './healthz.controller.js';
import { KeyBrowserController } from './key-browser.controller.js';
import { MeController } from './me.controller.js';
import { OwnersController } from './owners.controller.js';
import { TopologyController } from './topology.controller.js';

/** The client API (docs/api.md §1). */
@Module({
  controllers: [HealthzController, KeyBrowserController, BatchController, CacheController, OwnersController, MeController, TopologyController],
  providers: [BatchService],
})
export class CacheModule {}
