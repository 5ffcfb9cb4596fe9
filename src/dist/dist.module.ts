import { Module } from '@nestjs/common';
import { DistHealthController } from './dist-health.controller.js';

/** The peer listener (CONTRACT §7). Peer operations arrive with the cluster core. */
@Module({ controllers: [DistHealthController] })
export class DistModule {}
