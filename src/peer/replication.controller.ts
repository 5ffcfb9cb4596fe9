import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { readPeerBody } from './peer-message.js';
import type { ReplicateResult, WireEntry } from '../core/replication/wire.js';
import { coordinateOp, readOp, replicateOp } from './replication-ops.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { PEER_PREFIX } from './peer-protocol.js';
import { hypercache, type HypercacheConfigService } from '../config/config.namespace.js';
import type { HypercacheConfig } from '../config/config.types.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/**
 * `POST /peer/{replicate,read,coordinate}` (CONTRACT §7.2): body (413) → whole-message validation
 * (400, nothing applied) → the node. Thin: the cluster logic lives in `core/replication/`.
 */
@ApiTags('replication')
@Controller(PEER_PREFIX)
export class ReplicationController {
  private readonly config: HypercacheConfig;

  constructor(@Inject(CORE) private readonly core: Core, @Inject(ConfigService) configService: HypercacheConfigService) {
    this.config = hypercache(configService);
  }

  @Post('replicate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply entries (apply-if-newer); hard for replication/hint/handoff, soft for repair/merkle/migration' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Per entry: applied or stale', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async replicate(@Req() req: FastifyRequest): Promise<{ results: ReplicateResult[] }> {
    return replicateOp(this.core, await this.body(req));
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Local entries of the keys (item with value, tombstone, or null)' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'One entry or null per key', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async read(@Req() req: FastifyRequest): Promise<{ entries: (WireEntry | null)[] }> {
    return readOp(this.core, await this.body(req));
  }

  @Post('coordinate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Coordinate a forwarded client write or delete; the answer is the data of the client answer' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Written: version, acks, n, owners, expires_at', schema: OBJECT })
  @ApiErrors(400, 401, 412, 413, 503)
  async coordinate(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    const out = await coordinateOp(this.core, await this.body(req));
    if (out.status !== 200) void reply.status(out.status);
    return out.body;
  }

  private body(req: FastifyRequest): Promise<Buffer> {
    return readPeerBody(req, this.config.maxValueBytes);
  }
}
