import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { hypercache, type HypercacheConfigService } from '../config/config.namespace.js';
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

/** The peer listener (CONTRACT §7), behind the peer guard: membership, replication operations and health. */
@Module({
  imports: [MembershipModule],
  controllers: [MembershipController, ReplicationController, KeyListingController, AntiEntropyController, PeerHealthController],
  providers: [
    { provide: PeerAuth, useFactory: (config: HypercacheConfigService) => PeerAuth.fromConfig(hypercache(config)), inject: [ConfigService] },
    {
      provide: PeerContacts,
      // Every authenticated peer request is contact with its sender (CONTRACT §7.1, §6.3).
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
