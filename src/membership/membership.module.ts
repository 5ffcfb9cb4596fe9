import { Module } from '@nestjs/common';
import { MEMBERSHIP } from '../seams/tokens.js';
import { MembershipDriver } from './membership-driver.js';

/**
 * The membership driver as a provider. It is built once per process with the core (each Nest app
 * has its own container) and started and stopped by the startup and shutdown sequences, never by
 * Nest lifecycle hooks.
 */
@Module({
  providers: [{ provide: MembershipDriver, useExisting: MEMBERSHIP }],
  exports: [MembershipDriver],
})
export class MembershipModule {}
