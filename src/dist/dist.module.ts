import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { DistHealthController } from './dist-health.controller.js';
import { PeerAuth } from './peer-auth.js';
import { PeerContacts } from './peer-contacts.js';
import { PeerGuard } from './peer.guard.js';

/** The peer listener (CONTRACT §7), behind the peer guard. Peer operations arrive with the cluster core. */
@Module({
  controllers: [DistHealthController],
  providers: [
    { provide: PeerAuth, useFactory: (core: Core) => PeerAuth.fromConfig(core.config), inject: [CORE] },
    PeerContacts,
    { provide: APP_GUARD, useClass: PeerGuard },
  ],
  exports: [PeerContacts],
})
export class DistModule {}
