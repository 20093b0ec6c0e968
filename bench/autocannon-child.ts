import { readFileSync } from 'node:fs';
import autocannon, { type Request } from 'autocannon';
import type { LoadOptions } from './loadgen.ts';

/** autocannon in its own process (bench/loadgen.ts starts it): reads the load from a JSON file, prints the result as JSON. */
const o = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadOptions & { seconds: number };
const bodies = o.bodies;
let next = 0;
const result = await autocannon({
  url: o.url,
  connections: o.connections,
  duration: o.seconds,
  method: o.method ?? 'GET',
  headers: o.headers ?? {},
  ...(bodies
    ? {
        requests: [
          {
            setupRequest: (request: Request): Request => {
              const i = next++;
              const target = bodies.targets[i % bodies.targets.length]!;
              // Each target's own sequence of slots: no two requests ask for the same time of the same doctor.
              const start = new Date(bodies.firstSlotMs + Math.floor(i / bodies.targets.length) * bodies.slotMinutes * 60_000);
              return {
                ...request,
                method: 'POST',
                headers: { ...request.headers, authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
                body: JSON.stringify({ doctorId: target.doctorId, patientId: target.patientId, start: start.toISOString() }),
              };
            },
          },
        ],
      }
    : {}),
});
const statuses: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (stat as { count: number }).count;
if (result.non2xx > 0 || result.errors > 0) {
  process.stderr.write(`${o.url}: ${result.non2xx} non-2xx responses (${JSON.stringify(statuses)}), ${result.errors} errors\n`);
  process.exit(1);
}
process.stdout.write(
  JSON.stringify({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, count: result.requests.total, statuses, generator: 'autocannon (child process)' }),
);
