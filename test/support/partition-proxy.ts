import { type AddressInfo, createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of every node's dist listener that can cut the cluster into sides without
 * privileges. Each node binds its dist listener on a private port and advertises (and is seeded as)
 * the proxy's port. The proxy reads the request head of every inbound connection, takes the sender
 * from `x-hypercache-node` (sent on every peer request; peer pools are per sender, so one connection
 * carries one sender only) and destroys the connection when sender and target are on different sides
 * of the current partition; otherwise it pipes both ways. Healing stops the dropping.
 */
const MAX_HEAD_BYTES = 64 * 1024;
const SENDER = /\r\nx-hypercache-node:[ \t]*([^\r\n]*)/i;

interface Link {
  sender: string | undefined;
  target: string;
  inbound: Socket;
  upstream?: Socket;
}

export class PartitionProxy {
  private sides: Map<string, number> | undefined;
  private readonly servers: Server[] = [];
  private readonly links = new Set<Link>();
  /** Connections refused because they crossed the partition. */
  dropped = 0;

  /** Proxies `127.0.0.1:port` (0 = any free port) to the dist listener of `target`; returns the proxy port. */
  async listen(target: string, upstreamPort: number, port = 0): Promise<number> {
    const server = createServer((sock) => this.accept(sock, target, upstreamPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /** Cuts the cluster into `sides` (node IDs; a node on no side talks to everyone) and closes crossing connections. */
  partition(...sides: string[][]): void {
    this.sides = new Map(sides.flatMap((ids, i) => ids.map((id) => [id, i] as const)));
    for (const link of this.links) if (this.blocked(link.sender, link.target)) this.drop(link);
  }

  heal(): void {
    this.sides = undefined;
  }

  async close(): Promise<void> {
    this.sides = undefined;
    for (const link of this.links) this.drop(link);
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    this.servers.length = 0;
  }

  private blocked(sender: string | undefined, target: string): boolean {
    if (!this.sides || sender === undefined) return false;
    const a = this.sides.get(sender);
    const b = this.sides.get(target);
    return a !== undefined && b !== undefined && a !== b;
  }

  private drop(link: Link): void {
    this.links.delete(link);
    link.inbound.destroy();
    link.upstream?.destroy();
  }

  private accept(inbound: Socket, target: string, upstreamPort: number): void {
    const link: Link = { sender: undefined, target, inbound };
    inbound.on('error', () => this.drop(link));
    inbound.on('close', () => this.drop(link));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) this.drop(link);
        return;
      }
      inbound.off('data', onData);
      inbound.pause();
      link.sender = SENDER.exec(head.subarray(0, end).toString('latin1'))?.[1]?.trim();
      if (this.blocked(link.sender, target)) {
        this.dropped++;
        this.drop(link);
        return;
      }
      this.links.add(link);
      const upstream = connect(upstreamPort, '127.0.0.1');
      link.upstream = upstream;
      upstream.on('error', () => this.drop(link));
      upstream.on('close', () => this.drop(link));
      upstream.once('connect', () => {
        upstream.write(head);
        inbound.pipe(upstream);
        upstream.pipe(inbound);
      });
    };
    inbound.on('data', onData);
  }
}
