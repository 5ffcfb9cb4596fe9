import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiResponse } from '../common/api-docs.js';
import { FRAME_CONTENT_TYPE } from '../core/replication/frame.js';

const FRAME = {
  type: 'string' as const,
  format: 'binary',
  description: 'A frame (docs/peer-protocol.md §3.1): u32 big-endian header length, the header (UTF-8 JSON, values replaced by `value_len`), then the values as raw bytes in header order',
};

/** Documents a data-plane route whose request and 200 answer are frames; errors stay the JSON envelope. */
export const ApiFrames = (request: string, answer: string) =>
  applyDecorators(
    ApiConsumes(FRAME_CONTENT_TYPE),
    ApiBody({ description: request, schema: FRAME }),
    ApiResponse({ status: 200, description: answer, content: { [FRAME_CONTENT_TYPE]: { schema: FRAME } } }),
  );
