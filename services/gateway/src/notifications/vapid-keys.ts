/**
 * The VAPID key pair that signs Web Push requests (RFC 8292). From `VAPID_PUBLIC_KEY` / `VAPID_PRIVATE_KEY`
 * (production requires them, config.ts); outside production, when unset, one pair is generated and kept in
 * `VAPID_KEY_FILE`, like the JWT key, so browsers' subscriptions survive restarts of `pnpm start`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

const KeyFile = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});

const DEVELOPMENT_SUBJECT = 'mailto:push@cartwatch.local';

function readOrCreateKeyFile(path: string): z.infer<typeof KeyFile> {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const pair = webpush.generateVAPIDKeys();
    text = JSON.stringify({ publicKey: pair.publicKey, privateKey: pair.privateKey });
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another part of the process (the app or the worker) wrote it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      text = readFileSync(path, 'utf8');
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const parsed = KeyFile.safeParse(json);
  if (!parsed.success) throw new Error(`${path} must hold {"publicKey","privateKey"} (base64url VAPID keys)`);
  return parsed.data;
}

export function loadVapidKeys(config: {
  NODE_ENV: 'development' | 'test' | 'production';
  VAPID_PUBLIC_KEY?: string | undefined;
  VAPID_PRIVATE_KEY?: string | undefined;
  VAPID_SUBJECT?: string | undefined;
  VAPID_KEY_FILE: string;
}): VapidKeys {
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY) {
    return {
      publicKey: config.VAPID_PUBLIC_KEY,
      privateKey: config.VAPID_PRIVATE_KEY,
      subject: config.VAPID_SUBJECT ?? DEVELOPMENT_SUBJECT,
    };
  }
  if (config.NODE_ENV === 'production')
    throw new Error('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required');
  return {
    ...readOrCreateKeyFile(config.VAPID_KEY_FILE),
    subject: config.VAPID_SUBJECT ?? DEVELOPMENT_SUBJECT,
  };
}
