import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorEnvelope } from './error-envelope.js';

/** How long a socket closed after a parser error keeps draining what the client still sends. */
const LINGER_MS = 2_000;

/** Sockets whose parser error is being answered: the parser reports every later chunk again. */
const answering = new WeakSet<Socket>();

/**
 * The answer to an error Node's HTTP parser (llhttp) or its request timer raises (docs/api.md §1.15
 * "Malformed HTTP"): oversized headers 431, oversized chunk extensions 413, a request not received
 * within the request timeout 408, anything else 400.
 */
export function parserErrorAnswer(code: string | undefined): { status: number; body: ErrorEnvelope } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, body: { error: 'request header fields too large', code: 'BAD_REQUEST' } };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, body: { error: 'chunk extensions too large', code: 'PAYLOAD_TOO_LARGE' } };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, body: { error: 'request timeout', code: 'BAD_REQUEST' } };
    default:
      return { status: 400, body: { error: 'bad request', code: 'BAD_REQUEST' } };
  }
}

/** A complete `Connection: close` answer carrying the envelope, as bytes for a raw socket. */
export function rawAnswer(status: number, body: ErrorEnvelope, nodeId?: string): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(json)}\r\n${nodeId ? `X-Cache-Node: ${nodeId}\r\n` : ''}Connection: close\r\n\r\n${json}`
  );
}

/**
 * Fastify's `clientErrorHandler`: requests Node's parser rejects never reach routing; they still get
 * the `{error, code}` envelope (and `X-Cache-Node` on the client API).
 *
 * The parser runs ahead of the handlers: requests pipelined before the bad bytes have been handed
 * to their routes (a PUT among them is applied) while their answers are still to come. So the
 * error answer waits for every answer already owed on the connection, in order, and the socket
 * closes after it. A request whose own body held the bad bytes and that was already answered (a
 * 404 before its body was read, say) gets no second answer: the connection just closes.
 */
export function answerClientError(nodeId?: string) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed || answering.has(socket)) return;
    answering.add(socket);
    const { status, body } = parserErrorAnswer(err.code);
    afterOwedAnswers(socket, (erroringRequestAnswered) => {
      if (socket.destroyed) return;
      closeWith(socket, erroringRequestAnswered || !socket.writable ? undefined : rawAnswer(status, body, nodeId));
    });
  };
}

type InFlight = ServerResponse & { req?: { complete?: boolean } };

/**
 * Calls `done` once no answer is owed on `socket` any more: Node sends pipelined answers one at a
 * time through `socket._httpMessage`, handing the next one over when the current one finishes.
 * An unstarted answer whose request body is incomplete is not waited for: that request is the
 * one the parser rejected, and it can never complete. `done(true)` when that request was
 * answered before the error could be.
 */
function afterOwedAnswers(socket: Socket, done: (erroringRequestAnswered: boolean) => void, last?: InFlight): void {
  const res = (socket as Socket & { _httpMessage?: InFlight | null })._httpMessage ?? undefined;
  const incomplete = (r: InFlight | undefined) => r?.req?.complete === false;
  if (res === undefined || res === last) return done(incomplete(last));
  if (res.writableFinished) return done(incomplete(res));
  if (!res.headersSent && incomplete(res)) return done(false);
  let settled = false;
  const next = () => {
    if (settled) return;
    settled = true;
    socket.removeListener('close', next);
    setImmediate(() => afterOwedAnswers(socket, done, res));
  };
  res.once('finish', next);
  res.once('close', next);
  socket.once('close', next);
}

/**
 * Sends `answer` (if any), ends the connection and closes it once the client has closed its side
 * or after `LINGER_MS`: destroying a socket with unread client bytes resets the connection, which
 * can discard the answer before the client reads it.
 */
export function closeWith(socket: Socket, answer: string | undefined): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  if (answer === undefined) socket.end();
  else socket.end(answer);
  socket.resume();
}
