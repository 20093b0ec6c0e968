import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, pidAlive, readPid, stopPidFile, waitFor, type TopologyRoot } from './system.ts';

const run = promisify(execFile);

/**
 * A Redis Cluster of our own: `masters` masters with `replicasPerMaster`
 * replicas each, one `redis-server --cluster-enabled yes` per node (free
 * loopback ports for clients and for the cluster bus), joined with
 * `redis-cli --cluster create ... --cluster-replicas N --cluster-yes`.
 *
 * `cluster-node-timeout` is short so that a killed master's replica is
 * promoted within a few seconds; `cluster-require-full-coverage no` (as
 * docs/operations.md recommends) keeps the other masters' slots answering
 * meanwhile; no persistence (Tempus keeps nothing in Redis that is the only copy).
 */
export interface RedisNode {
  port: number;
  busPort: number;
  dir: string;
}

export interface RedisCluster {
  nodes: RedisNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,...` for REDIS_CLUSTER_NODES. */
  seeds: string;
  /** The nodes currently serving slots as masters (asked from the cluster). */
  masters(): Promise<number[]>;
  /** The master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL one node (a crash). */
  kill(port: number): Promise<void>;
  /** Starts a stopped node again with its nodes.conf: it rejoins (a former master as a replica). */
  start(port: number): Promise<void>;
  /**
   * Until every live node reports cluster_state:ok and `masters` live masters
   * serve the slots; `full` (default) also wants every node up and each master
   * with its replicas (a failover done and the old master rejoined).
   */
  waitHealthy(options?: { full?: boolean; timeoutMs?: number }): Promise<void>;
  cli(port: number, ...args: string[]): Promise<string>;
}

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  nodeTimeoutMs?: number;
}

export async function startRedisCluster(root: TopologyRoot, options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeout = options.nodeTimeoutMs ?? 1_500;
  const nodes: RedisNode[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) {
    const port = await freePort();
    let busPort = await freePort();
    while (busPort === port) busPort = await freePort();
    nodes.push({ port, busPort, dir: root.subdir(path.join('redis', `node-${port}`)) });
  }
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 })).stdout;
  const pidFile = (n: RedisNode) => path.join(n.dir, 'redis.pid');
  const alive = (n: RedisNode) => pidAlive(readPid(pidFile(n)) ?? -1);
  const start = async (n: RedisNode) => {
    if (alive(n) && (await cli(n.port, 'ping').catch(() => '')).trim() === 'PONG') return;
    await run('redis-server', [
      '--port', String(n.port),
      '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes',
      '--cluster-port', String(n.busPort),
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(nodeTimeout),
      '--cluster-require-full-coverage', 'no',
      '--cluster-replica-validity-factor', '0',
      '--save', '',
      '--appendonly', 'no',
      '--dir', n.dir,
      '--daemonize', 'yes',
      '--pidfile', pidFile(n),
      '--logfile', path.join(n.dir, 'redis.log'),
    ]);
    await waitFor(`redis node ${n.port}`, async () => (await cli(n.port, 'ping')).trim() === 'PONG');
  };
  const byPort = (port: number) => {
    const n = nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no node on port ${port}`);
    return n;
  };
  /** `cluster nodes` as seen by one live node. */
  const view = async () => {
    for (const n of nodes) {
      const out = await cli(n.port, 'cluster', 'nodes').catch(() => '');
      if (out.trim()) {
        return out.trim().split('\n').map((line) => {
          const [id, addr, flags, master, , , , link, ...slots] = line.split(' ');
          return { id: id!, port: Number(addr!.split('@')[0]!.split(':')[1]), flags: flags!.split(','), master: master!, link: link!, slots };
        });
      }
    }
    throw new Error('no Redis Cluster node answers');
  };

  await Promise.all(nodes.map(start));
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });

  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async masters() {
      return (await view()).filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0).map((n) => n.port);
    },
    async masterOf(key) {
      const slot = Number((await cli(nodes[0]!.port, 'cluster', 'keyslot', key)).trim());
      for (const n of await view()) {
        if (!n.flags.includes('master') || n.flags.includes('fail')) continue;
        for (const range of n.slots) {
          const [from, to = from] = range.split('-').map(Number) as [number, number?];
          if (slot >= from && slot <= to!) return n.port;
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    async kill(port) {
      await stopPidFile(pidFile(byPort(port)), 'SIGKILL');
    },
    start: (port) => start(byPort(port)),
    async waitHealthy({ full = true, timeoutMs = 60_000 } = {}) {
      await waitFor(
        full ? 'the Redis Cluster healthy' : 'the Redis Cluster serving every slot',
        async () => {
          const live = nodes.filter(alive);
          if (full && live.length < nodes.length) return false;
          for (const n of live) if (!(await cli(n.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
          const v = await view();
          const up = (n: { port: number }) => live.some((l) => l.port === n.port);
          const serving = v.filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0 && up(n));
          if (serving.length !== masters) return false;
          if (!full) return true;
          const attached = (m: { id: string }) => v.filter((r) => r.master === m.id && !r.flags.includes('fail') && r.link === 'connected').length;
          return serving.every((m) => attached(m) >= replicas) && v.every((n) => !n.flags.includes('fail') && !n.flags.includes('handshake'));
        },
        timeoutMs,
        200,
      );
    },
    cli,
  };
  // A first full sync of every replica; right after the fault suite has restarted RabbitMQ and PostgreSQL on the
  // same two cores it once took longer than the 60 s a failover gets (a CI run), so the start gets twice that.
  await cluster.waitHealthy({ timeoutMs: 120_000 });
  return cluster;
}
