import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/** The baseline server: bare Fastify, logging off, one route answering the API's exact bytes. Args: port, url, body file. */
const [port, url, file] = process.argv.slice(2) as [string, string, string];
const body = readFileSync(file, 'utf8');
const app = Fastify({ logger: false });
app.get(url.split('?')[0]!, async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
