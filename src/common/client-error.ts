import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests Node's HTTP parser rejects (raw bytes in the URL, a malformed Content-Length, oversized
 * headers, header timeout) never reach Fastify's routing; they still get the `{error, code}` envelope.
 */
export function answerClientError(nodeId?: string) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'request header fields too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request timeout']
          : [400, 'bad request'];
    const body = JSON.stringify({ error: message, code: 'BAD_REQUEST' });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${nodeId ? `X-Cache-Node: ${nodeId}\r\n` : ''}Connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
