import { createHash } from 'node:crypto';

// A fixed namespace for Tempus' derived message ids (any UUID works; it must never change).
const NAMESPACE = Buffer.from('5c0e4b3a9d2f4e7a8b1c6d0e2f3a4b5c', 'hex');

/**
 * A name-based (version 5) UUID: the same name always gives the same id. The
 * fan-out names each child job `<event id>/<recipient>/<channel>`, so handling
 * an event twice enqueues nothing new.
 */
export function derivedId(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
