/**
 * Reads what a PostgreSQL client sends (the frontend half of the wire
 * protocol, version 3), from the bytes a TCP proxy taps: the startup
 * parameters of each connection and every message after them. Used to check
 * what node-postgres and Drizzle really send, e.g. that no statement is
 * prepared under a name (which PgBouncer in transaction mode would hand to
 * another client's server connection).
 */
export interface FrontendMessage {
  connection: number;
  /** One-letter message type: Q simple query, P parse, B bind, E execute, S sync, X terminate, ... */
  type: string;
  body: Buffer;
}

export interface PgWireLog {
  /** Feed with (connection, chunk) from TcpProxyOptions.onClientData. */
  feed(connection: number, chunk: Buffer): void;
  /** Startup parameters per connection (user, database, statement_timeout, ...). */
  startups: Record<string, string>[];
  messages: FrontendMessage[];
  /** Statement names of every Parse message ('' = the unnamed statement). */
  parseNames(): string[];
  /** The SQL of every simple query (Q) and Parse (P), in order. */
  queries(): string[];
}

/** The NUL-terminated strings at the start of a message body. */
const cstrings = (body: Buffer, count: number) => body.toString('utf8').split('\0').slice(0, count);

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

export function pgWireLog(): PgWireLog {
  const buffers = new Map<number, Buffer>();
  const started = new Set<number>();
  const log: PgWireLog = {
    startups: [],
    messages: [],
    feed(connection, chunk) {
      let buf = Buffer.concat([buffers.get(connection) ?? Buffer.alloc(0), chunk]);
      for (;;) {
        if (!started.has(connection)) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== CANCEL_REQUEST) {
            const fields = buf.subarray(8, len - 1).toString('utf8').split('\0');
            const params: Record<string, string> = {};
            for (let i = 0; i + 1 < fields.length; i += 2) params[fields[i]!] = fields[i + 1]!;
            log.startups.push(params);
            started.add(connection);
          }
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        log.messages.push({ connection, type: String.fromCharCode(buf[0]!), body: buf.subarray(5, 1 + len) });
        buf = buf.subarray(1 + len);
      }
      buffers.set(connection, buf);
    },
    parseNames: () => log.messages.filter((m) => m.type === 'P').map((m) => cstrings(m.body, 1)[0]!),
    queries: () =>
      log.messages.flatMap((m) => (m.type === 'Q' ? [cstrings(m.body, 1)[0]!] : m.type === 'P' ? [cstrings(m.body, 2)[1]!] : [])),
  };
  return log;
}
