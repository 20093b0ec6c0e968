import net from 'node:net';

/**
 * A TCP proxy in front of a real service (Redis, RabbitMQ, PostgreSQL, SMTP)
 * that a test can cut and restore. Cutting makes the service unreachable for
 * the app under test only, without stopping the shared service under other
 * suites running in parallel.
 */
export interface TcpProxy {
  port: number;
  /** host:port of the proxy, for building a URL. */
  address: string;
  /** Drop every open connection and refuse new ones (connections are reset at once). */
  cut(): void;
  /** Accept and forward again. */
  restore(): void;
  /** Accept connections but never answer (a black hole: exercises timeouts). */
  blackhole(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Sees every byte a client sends, per connection (a protocol observer; the bytes are forwarded unchanged). */
  onClientData?: (connection: number, chunk: Buffer) => void;
}

export async function startTcpProxy(targetHost: string, targetPort: number, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  let connections = 0;
  let mode: 'forward' | 'cut' | 'blackhole' = 'forward';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') return;
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const id = ++connections;
    if (options.onClientData) client.on('data', (chunk: Buffer) => options.onClientData!(id, chunk));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    cut() {
      mode = 'cut';
      dropAll();
    },
    restore() {
      mode = 'forward';
    },
    blackhole() {
      mode = 'blackhole';
      dropAll();
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}

/** The same URL with host:port pointed at the proxy. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString().replace(/\/$/, '');
}
