/**
 * The OCR job runner of every replica: each round it leases queued photos (photo.repository.ts, `FOR
 * UPDATE SKIP LOCKED` like the store-sync jobs) up to the free places of the OCR pool, prepares each
 * image, recognises it, parses the text into a draft and stores it (`ready`, or `no_receipt` when no line
 * item was found) with the upright photo for review; a failed run is retried until PHOTO_MAX_ATTEMPTS,
 * then the draft is `failed`. Leases are renewed while a photo is processed; a crashed worker's photo is
 * taken over once its lease expires. Once an hour it deletes expired drafts (PHOTO_RETENTION_DAYS).
 */
import { hostname } from 'node:os';
import { type Database, newId } from '@cartwatch/db';
import { PollingLoop } from '@cartwatch/service-kit';
import type { BackgroundWorker, ServiceContext } from '@cartwatch/service-runtime';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { openPhoto } from './image-input.js';
import { type Ocr, OcrPool } from './ocr-pool.js';
import * as photos from './photo.repository.js';
import { buildDraft } from './photo-draft.js';
import { preparePhoto } from './prepare-image.js';

export interface PhotoWorkerOptions {
  database: Database<DB>;
  ocr: Ocr;
  logger: Logger;
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  maxPixels: number;
  retentionDays: number;
  defaultCurrency: string;
  pollIntervalMs?: number;
  owner?: string;
}

const RETENTION_EVERY_MS = 3_600_000;

export class PhotoWorker {
  readonly owner: string;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly loop: PollingLoop;
  private lastRetention = 0;

  constructor(private readonly options: PhotoWorkerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${newId()}`;
    this.loop = new PollingLoop(() => this.round(), {
      intervalMs: options.pollIntervalMs ?? 1_000,
      logger: options.logger,
      name: 'photo OCR worker',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming, waits for the photos in flight, ends the OCR workers. */
  async stop(): Promise<void> {
    this.loop.stop();
    await this.idle();
    await this.options.ocr.close();
  }

  /** One round: retention when due, then lease photos for the free places and start them. */
  async round(): Promise<void> {
    if (Date.now() - this.lastRetention >= RETENTION_EVERY_MS) {
      await this.deleteExpired();
      this.lastRetention = Date.now();
    }
    const claimed = await photos.claimPhotos(this.options.database.db, {
      owner: this.owner,
      limit: this.options.concurrency - this.inFlight.size,
      leaseMs: this.options.leaseMs,
    });
    for (const photo of claimed) {
      const run = this.process(photo).finally(() => this.inFlight.delete(photo.id));
      this.inFlight.set(photo.id, run);
    }
  }

  /** Waits until no photo is being processed. */
  async idle(): Promise<void> {
    await Promise.allSettled(this.inFlight.values());
  }

  async deleteExpired(): Promise<number> {
    const deleted = await photos.deleteExpired(this.options.database.db, this.options.retentionDays);
    if (deleted > 0) this.options.logger.info({ deleted }, 'expired photo drafts deleted');
    return deleted;
  }

  private async process(photo: photos.ClaimedPhoto): Promise<void> {
    const { database, logger, leaseMs } = this.options;
    const renew = setInterval(() => {
      photos.renewLease(database.db, photo.id, this.owner, leaseMs).catch((error: unknown) => {
        logger.warn({ err: error, photoId: photo.id }, 'photo lease renewal failed');
      });
    }, leaseMs / 3);
    try {
      const prepared = await preparePhoto(
        await openPhoto(photo.image, photo.image_type, this.options.maxPixels),
      );
      const ocr = await this.options.ocr.recognize(prepared.ocrImage);
      const draft = buildDraft(
        ocr,
        prepared,
        await photos.knownStores(database.db),
        this.options.defaultCurrency,
      );
      await photos.finishPhoto(database.db, photo.id, this.owner, {
        status: draft.lines.length > 0 ? 'ready' : 'no_receipt',
        draft: JSON.stringify(draft),
        display: prepared.display,
      });
      logger.info({ photoId: photo.id, lines: draft.lines.length }, 'photo receipt recognised');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = photo.attempt >= this.options.maxAttempts;
      logger.warn({ err: error, photoId: photo.id, attempt: photo.attempt, final }, 'photo OCR failed');
      await photos
        .finishPhoto(database.db, photo.id, this.owner, {
          status: final ? 'failed' : 'queued',
          error: `the photo could not be read: ${message}`,
        })
        .catch((finishError: unknown) => logger.error({ err: finishError }, 'photo OCR end not recorded'));
    } finally {
      clearInterval(renew);
    }
  }
}

export function photoWorkerFor(context: ServiceContext<Config, DB>, ocr?: Ocr): PhotoWorker {
  const { config } = context;
  return new PhotoWorker({
    database: context.database,
    ocr: ocr ?? new OcrPool(config.PHOTO_OCR_WORKERS),
    logger: context.logger.child({ component: 'photo-ocr' }),
    concurrency: config.PHOTO_OCR_WORKERS,
    leaseMs: config.PHOTO_LEASE_MS,
    maxAttempts: config.PHOTO_MAX_ATTEMPTS,
    maxPixels: config.PHOTO_MAX_PIXELS,
    retentionDays: config.PHOTO_RETENTION_DAYS,
    defaultCurrency: config.DEFAULT_CURRENCY,
  });
}

/** Every replica runs the OCR worker (the photos are rows any of them can lease). */
export function photoWorkersFromConfig(context: ServiceContext<Config, DB>): BackgroundWorker[] {
  const worker = photoWorkerFor(context);
  return [{ start: () => worker.start(), stop: () => worker.stop() }];
}
