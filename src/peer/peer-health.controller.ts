import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '../common/api-docs.js';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { CacheError } from '../core/errors.js';
import { ErrorResponse } from '../openapi/error-response.dto.js';

/** Dist `GET /health` (docs/peer-protocol.md §2 `health`): 503 DRAINING while the node drains. */
@ApiTags('health')
@Controller()
export class PeerHealthController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get('health')
  @ApiOperation({ summary: 'Health of this node as a peer (503 DRAINING while it drains)' })
  @ApiOkResponse({
    description: 'Serving',
    schema: { type: 'object', required: ['status', 'node'], properties: { status: { type: 'string', enum: ['ok'] }, node: { type: 'string' } } },
  })
  @ApiResponse({ status: 503, description: 'The node is draining (`DRAINING`)', type: ErrorResponse })
  health(): { status: 'ok'; node: string } {
    if (this.node.isDraining()) throw new CacheError('DRAINING', 'node is draining');
    return { status: 'ok', node: this.node.nodeId };
  }
}
