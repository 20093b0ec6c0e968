import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';

/**
 * The notifications benchmark's baseline, in a process of its own (as the
 * worker is): a raw Nodemailer pool sending `n` copies of the rendered email
 * to the SMTP peer, all at once, after a warm-up. Prints JSON: emails/s,
 * p50/p99 of send→250 and the CPU it spent per email.
 *
 *   tsx bench/nodemailer-child.ts <job.json>   { url, pool, warmup, n, email: { subject, text, html } }
 */
const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  url: string;
  pool: number;
  warmup: number;
  n: number;
  prefix: string;
  email: { subject: string; text: string; html: string };
};
const transport = nodemailer.createTransport({ url: job.url, pool: true, maxConnections: job.pool, maxRequeues: 0 });
const send = (to: string) =>
  transport.sendMail({ from: 'Tempus <no-reply@tempus.local>', to, ...job.email, messageId: `<${crypto.randomUUID()}.email@tempus>` });

await Promise.all(Array.from({ length: job.warmup }, (_, i) => send(`warm${i}@example.test`)));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const latencies = await Promise.all(
  Array.from({ length: job.n }, async (_, i) => {
    await send(`${job.prefix}${i}@example.test`);
    return performance.now() - t0;
  }),
);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
transport.close();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
process.stdout.write(JSON.stringify({ rate: job.n / seconds, p50: pct(50), p99: pct(99), cpuMsPerEmail: (cpu.user + cpu.system) / 1000 / job.n }));
