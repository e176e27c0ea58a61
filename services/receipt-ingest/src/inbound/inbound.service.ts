/**
 * Receipts by e-mail: each user gets a private address `receipts+<token>@<domain>`; the mail
 * provider posts what arrives there to the webhook, signed with a shared secret over
 * `<timestamp>.<raw body>`. A stale timestamp or a bad signature is refused before anything is
 * parsed; the message is routed to the user by its token and imported as a text receipt for the
 * retailer named by the sender's domain (or, failing that, in the receipt's first lines).
 * The user may rotate the address (`POST /me/inbound-address/rotate`) when it has leaked.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ReceiptIngestApi } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { AppError, parseInput } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { importText } from '../receipts/receipts.service.js';
import { listRetailers } from '../stores/stores.repository.js';
import * as inbound from './inbound.repository.js';

type ImportResult = z.infer<typeof ReceiptIngestApi.ImportResult>;

export function inboundAddressOf(token: string, domain: string): string {
  return `receipts+${token}@${domain}`;
}

export async function getInboundAddress(
  database: Database<DB>,
  config: Config,
  userId: string,
): Promise<string> {
  const token = await inbound.ensureToken(database.db, userId, randomBytes(12).toString('hex'));
  return inboundAddressOf(token, config.INBOUND_EMAIL_DOMAIN);
}

/**
 * A fresh private address for the user: the old one is forgotten at once, so mail sent to it
 * afterwards is refused like mail to any unknown address (404).
 */
export async function rotateInboundAddress(
  database: Database<DB>,
  config: Config,
  userId: string,
): Promise<string> {
  const token = randomBytes(12).toString('hex');
  await inbound.replaceToken(database.db, userId, token);
  return inboundAddressOf(token, config.INBOUND_EMAIL_DOMAIN);
}

export function signInboundEmail(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** Throws UNAUTHENTICATED unless the signature is ours and the timestamp is fresh. */
export function verifyInboundSignature(
  config: Config,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: Buffer,
  now: Date = new Date(),
): void {
  const secret = config.INBOUND_EMAIL_SECRET;
  if (secret === undefined) throw AppError.notFound('inbound e-mail webhook');
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) {
    throw AppError.unauthenticated('missing webhook timestamp or signature');
  }
  const ageSeconds = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (ageSeconds > config.INBOUND_EMAIL_MAX_AGE_SECONDS)
    throw AppError.unauthenticated('stale webhook timestamp');
  const expected = Buffer.from(signInboundEmail(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw AppError.unauthenticated('bad webhook signature');
  }
}

function addressParts(address: string): { local: string; domain: string } | undefined {
  const match = /<?([^<>\s@]+)@([^<>\s@]+?)>?\s*$/.exec(address.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { local: match[1].toLowerCase(), domain: match[2].toLowerCase() };
}

function hostOf(website: string | null): string | undefined {
  if (!website) return undefined;
  try {
    return new URL(website).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

/** The retailer whose website domain sent the mail, else the first retailer named in the receipt's head. */
async function resolveStore(database: Database<DB>, from: string, text: string): Promise<string | undefined> {
  const retailers = await listRetailers(database.db, undefined, 1_000);
  const sender = addressParts(from)?.domain;
  if (sender) {
    const bySender = retailers.find((retailer) => {
      const host = hostOf(retailer.website);
      return host !== undefined && (sender === host || sender.endsWith(`.${host}`));
    });
    if (bySender) return bySender.slug;
  }
  const head = text.split('\n').slice(0, 8).join('\n').toLowerCase();
  return retailers.find((retailer) => head.includes(retailer.name.toLowerCase()))?.slug;
}

export async function receiveInboundEmail(
  database: Database<DB>,
  config: Config,
  rawBody: Buffer,
  headers: { timestamp: string | undefined; signature: string | undefined },
): Promise<ImportResult> {
  verifyInboundSignature(config, headers, rawBody);
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw AppError.validation([{ path: '', message: 'malformed JSON', code: 'invalid_json' }]);
  }
  const email = parseInput(ReceiptIngestApi.InboundEmail, json, 'e-mail');

  const to = addressParts(email.to);
  const token =
    to && to.domain === config.INBOUND_EMAIL_DOMAIN
      ? /^receipts\+([0-9a-f]{24})$/.exec(to.local)?.[1]
      : undefined;
  const userId = token === undefined ? undefined : await inbound.findUserByToken(database.db, token);
  if (userId === undefined) throw AppError.notFound('inbound address');

  const storeSlug = await resolveStore(database, email.from, email.text);
  if (storeSlug === undefined) {
    throw AppError.unprocessable('the e-mail names no known store (sender domain or receipt header)');
  }
  return importText(database, userId, {
    storeSlug,
    currency: config.DEFAULT_CURRENCY,
    text: email.text,
    source: 'email',
  });
}
