import { applyDecorators } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import { ApiOperation, ApiResponse, ApiTags } from '../common/api-docs.js';

/** OpenAPI declaration of `GET /v1/topology` (docs/api.md §1.17). */
const TOPOLOGY: SchemaObject = {
  type: 'object',
  required: ['replication', 'virtualNodes', 'hash', 'members'],
  properties: {
    replication: { type: 'integer', minimum: 1, description: 'HYPERCACHE_REPLICATION of the node' },
    virtualNodes: { type: 'integer', minimum: 1, description: 'Virtual nodes per member (HYPERCACHE_VNODES)' },
    hash: { type: 'string', enum: ['xxhash64'], description: 'Ring hash: xxHash64, seed 0, over UTF-8 bytes' },
    members: {
      type: 'array',
      description: 'The ring members of this node’s view (alive and suspect), sorted by id',
      items: {
        type: 'object',
        required: ['id', 'url', 'state'],
        properties: {
          id: { type: 'string', description: 'Node ID' },
          url: { type: 'string', description: 'Base URL of the member’s client API (`http://host:port` or `https://host:port`)' },
          state: { type: 'string', enum: ['alive', 'suspect'] },
        },
      },
    },
  },
};

export const ApiTopology = () =>
  applyDecorators(
    ApiTags('cluster'),
    ApiOperation({ summary: 'Routing information for clients: the ring members with their client API URLs' }),
    ApiResponse({ status: 200, description: 'Topology', content: { 'application/json': { schema: TOPOLOGY } } }),
  );
