import { createHash } from 'node:crypto';

/** A stable UUID for an email: the local issuer gives one user the same id every time. */
export function userIdForEmail(email: string): string {
  const hex = createHash('sha256').update(`tempus-local-user:${email.trim().toLowerCase()}`).digest('hex');
  // Shape it as an RFC 4122 version-5-style UUID (version and variant bits set).
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
