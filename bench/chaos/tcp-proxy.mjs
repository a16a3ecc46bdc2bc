// A TCP proxy the harness controls, placed on one link (an HA server, a controller, the clients'
// path to a broker). partition() cuts the link the way a network does: bytes stop flowing in
// both directions but no side is told (sockets stay open and paused, new connections are
// accepted and held, so peers see timeouts, not resets; their own keep-alive and housekeeping
// timers decide when to give up). heal() lets held bytes flow again, as TCP retransmission
// would. reset() instead closes every connection at once (a peer that restarted).
import { connect, createServer } from 'node:net';

export class TcpProxy {
  /**
   * @param {{ name: string, listenHost: string, listenPort: number, targetHost: string, targetPort: number }} o
   */
  constructor(o) {
    this.name = o.name;
    this.listenHost = o.listenHost;
    this.listenPort = o.listenPort;
    this.targetHost = o.targetHost;
    this.targetPort = o.targetPort;
    this.partitioned = false;
    /** Connections accepted so far (a proxy nobody used cut nothing: the report says so). */
    this.accepted = 0;
    /** @type {Set<{ client: import('node:net').Socket, upstream?: import('node:net').Socket }>} */
    this.pairs = new Set();
    this.server = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
  }

  get address() {
    return `${this.listenHost}:${this.listenPort}`;
  }

  start() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenPort, this.listenHost, () => {
        this.server.off('error', reject);
        this.listenPort = this.server.address().port;
        resolve(this);
      });
    });
  }

  accept(client) {
    this.accepted++;
    const pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    if (!this.partitioned) this.link(pair);
  }

  link(pair) {
    const upstream = connect({ host: this.targetHost, port: this.targetPort, noDelay: true });
    pair.upstream = upstream;
    upstream.on('error', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
    upstream.on('connect', () => {
      this.forward(pair.client, upstream);
      this.forward(upstream, pair.client);
      if (this.partitioned) this.pause(pair);
      else pair.client.resume();
    });
  }

  /**
   * Copies `from` to `to` by hand (not pipe(): its drain handler resumes a source we paused).
   * Backpressure pauses `from` until `to` drains; a partition keeps it paused until heal().
   */
  forward(from, to) {
    from.on('data', (chunk) => {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!this.partitioned) from.resume();
        });
      }
    });
    from.on('end', () => to.end());
  }

  pause(pair) {
    pair.client.pause();
    pair.upstream?.pause();
  }

  drop(pair) {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  /** Stop all traffic; keep every socket open. */
  partition() {
    this.partitioned = true;
    for (const p of this.pairs) this.pause(p);
  }

  heal() {
    this.partitioned = false;
    for (const p of this.pairs) {
      if (p.upstream === undefined) this.link(p);
      else {
        p.client.resume();
        p.upstream.resume();
      }
    }
  }

  /** Close every connection now (both sides see the close). */
  reset() {
    for (const p of [...this.pairs]) this.drop(p);
  }

  close() {
    this.reset();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
