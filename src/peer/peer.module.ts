import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { HypercacheConfig } from '../config/config.types.js';
import { CONFIG, LOGGER } from '../seams/tokens.js';
import type { Logger } from 'pino';
import { refusedNameWarning } from './refused-name-warning.js';
import { MembershipDriver } from '../membership/membership-driver.js';
import { MembershipModule } from '../membership/membership.module.js';
import { AntiEntropyController } from './antientropy.controller.js';
import { PeerHealthController } from './peer-health.controller.js';
import { KeyListingController } from './key-listing.controller.js';
import { MembershipController } from './membership.controller.js';
import { PeerAuth } from './peer-auth.js';
import { PeerContacts } from './peer-contacts.js';
import { PeerGuard } from './peer.guard.js';
import { ReplicationController } from './replication.controller.js';

/** The peer listener (docs/peer-protocol.md), behind the peer guard: membership, replication operations and health. */
@Module({
  imports: [MembershipModule],
  controllers: [MembershipController, ReplicationController, KeyListingController, AntiEntropyController, PeerHealthController],
  providers: [
    {
      provide: PeerAuth,
      useFactory: (config: HypercacheConfig, logger: Logger) => PeerAuth.fromConfig(config, refusedNameWarning(logger)),
      inject: [CONFIG, LOGGER],
    },
    {
      provide: PeerContacts,
      // Every authenticated peer request is contact with its sender (docs/peer-protocol.md §1, docs/cluster.md §2).
      useFactory: (membership: MembershipDriver) => {
        const contacts = new PeerContacts();
        contacts.subscribe((id) => membership.contact(id));
        return contacts;
      },
      inject: [MembershipDriver],
    },
    { provide: APP_GUARD, useClass: PeerGuard },
  ],
  exports: [PeerContacts],
})
export class PeerModule {}
