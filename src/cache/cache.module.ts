import { Module } from '@nestjs/common';
import { HealthzController } from './healthz.controller.js';

/** The client API (CONTRACT §4). */
@Module({ controllers: [HealthzController] })
export class CacheModule {}
