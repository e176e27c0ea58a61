/**
 * The OCR job runner of every replica: each round it leases queued photos (photo.repository.ts, `FOR
 * UPDATE SKIP LOCKED` like the store-sync jobs) up to the free places of the OCR pool, prepares each
 * image, recognises it, parses the text into a draft and stores it (`ready`, or `no_receipt` when no line
 * item was found) with the upright photo for review; a failed run is retried until PHOTO_MAX_ATTEMPTS,
 * then the draft is `failed`. Leases are renewed while a photo is processed; a crashed worker's photo is
 * taken over once its lease expires (service-kit's LeasedJobRunner). Once an hour it deletes expired drafts (PHOTO_RETENTION_DAYS).
 */
import type { Database } from '@cartwatch/db';
import { LeasedJobRunner } from '@cartwatch/service-kit';
import type { BackgroundWorker, ServiceContext } from '@cartwatch/service-runtime';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { type Ocr, OcrPool } from './ocr-pool.js';
import * as photos from './photo.repository.js';
import { recognizeReceipt } from './recognize.js';

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

export class PhotoWorker extends LeasedJobRunner<photos.ClaimedPhoto> {
  constructor(private readonly options: PhotoWorkerOptions) {
    const { database, leaseMs } = options;
    super(
      {
        claim: (owner, free) => photos.claimPhotos(database.db, { owner, limit: free.jobs, leaseMs }),
        run: (photo, owner) => this.process(photo, owner),
        idOf: (photo) => photo.id,
        renew: {
          everyMs: leaseMs / 3,
          run: (photo, owner) => photos.renewLease(database.db, photo.id, owner, leaseMs),
        },
        housekeeping: { everyMs: RETENTION_EVERY_MS, run: async () => void (await this.deleteExpired()) },
      },
      {
        name: 'photo OCR worker',
        logger: options.logger,
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
        concurrency: { jobs: options.concurrency },
        owner: options.owner,
      },
    );
  }

  /** Stops claiming, waits for the photos in flight, ends the OCR workers. */
  override async stop(): Promise<void> {
    await super.stop();
    await this.options.ocr.close();
  }

  async deleteExpired(): Promise<number> {
    const deleted = await photos.deleteExpired(this.options.database.db, this.options.retentionDays);
    if (deleted > 0) this.options.logger.info({ deleted }, 'expired photo drafts deleted');
    return deleted;
  }

  private async process(photo: photos.ClaimedPhoto, owner: string): Promise<void> {
    const { database, logger } = this.options;
    try {
      const { draft, display } = await recognizeReceipt(
        { bytes: photo.image, type: photo.image_type },
        {
          ocr: this.options.ocr,
          stores: await photos.knownStores(database.db),
          defaultCurrency: this.options.defaultCurrency,
          maxPixels: this.options.maxPixels,
        },
      );
      await photos.finishPhoto(database.db, photo.id, owner, {
        status: draft.lines.length > 0 ? 'ready' : 'no_receipt',
        draft: JSON.stringify(draft),
        display,
      });
      logger.info({ photoId: photo.id, lines: draft.lines.length }, 'photo receipt recognised');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = photo.attempt >= this.options.maxAttempts;
      logger.warn({ err: error, photoId: photo.id, attempt: photo.attempt, final }, 'photo OCR failed');
      await photos
        .finishPhoto(database.db, photo.id, owner, {
          status: final ? 'failed' : 'queued',
          error: `the photo could not be read: ${message}`,
        })
        .catch((finishError: unknown) => logger.error({ err: finishError }, 'photo OCR end not recorded'));
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
