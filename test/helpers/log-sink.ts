import { Writable } from 'node:stream';

/** A log destination that keeps every line written to it (a test reads what production would have logged). */
export function memoryLog(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}
