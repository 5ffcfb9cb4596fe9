import { Module } from '@nestjs/common';

/** The management API (CONTRACT §5). */
@Module({})
export class AdminModule {}
