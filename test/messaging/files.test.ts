import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHospital, uniqueEmail } from '../helpers/factories.ts';
import { createMessagingApp, deliveriesTo, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../helpers/messaging.ts';

/** Without SMTP_URL every email becomes an .eml file under DATA_DIR/mail (embedded mode's mailbox). */
let suite: MessagingTestEnv;
let t: MessagingApp;

beforeAll(async () => {
  suite = await messagingTestEnv();
  t = await createMessagingApp({ env: suite.env });
});
afterAll(async () => {
  await t?.close();
  await suite?.close();
});

describe('mail to files', () => {
  it('writes the welcome email as a parseable .eml file named by its message id', async () => {
    const email = uniqueEmail('files');
    await registerHospital(t, { name: 'Paper Clinic', email });
    const [line] = await eventually(() => deliveriesTo(t, email), (l) => l[0]?.status === 'sent', 'the email written');
    const dir = path.join(t.dataDir, 'mail');
    const file = path.join(dir, `${line!.message_id}.email.eml`);
    expect(await readdir(dir)).toContain(path.basename(file));
    const mail = await simpleParser(await readFile(file));
    expect(mail.subject).toBe('Welcome to Tempus, Paper Clinic');
    expect((mail.to as { text: string }).text).toBe(email);
    expect(mail.text).toContain('Paper Clinic');
    expect(mail.html).toContain('<strong>Paper Clinic</strong>');
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.email).toMatchObject({ status: 'up', mode: 'files' });
  });
});
