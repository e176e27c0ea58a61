/**
 * Account exports as the user sees them: ask for one (one at a time, EXPORT_MAX_PER_DAY a day), follow
 * it, download it. The request only writes the job; the export worker builds it after that commit.
 */
import type { AccountExport } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import * as repo from './export.repository.js';
import { EXPORT_AREA_COUNT } from './export-collector.js';

const DAY_MS = 86_400_000;
/** How long an archive stays after its first download (a broken download can be tried again). */
export const DOWNLOAD_GRACE_MS = 3_600_000;

export interface ExportServiceOptions {
  db: Kysely<DB>;
  maxPerDay: number;
  maxAttempts: number;
}

function toExport(row: repo.ExportRow, now = new Date()): AccountExport {
  // The worker drops archives every few minutes; one past its time is already gone for the user.
  const expired =
    row.status === 'expired' ||
    (row.status === 'ready' && row.expires_at !== null && row.expires_at.getTime() <= now.getTime());
  return {
    id: row.id,
    status: expired ? 'expired' : row.status,
    progress: {
      done: row.status === 'ready' || expired ? EXPORT_AREA_COUNT : row.progress_done,
      total: EXPORT_AREA_COUNT,
    },
    attempts: row.attempts,
    error: row.last_error,
    sizeBytes: expired ? null : row.size_bytes,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

export class ExportService {
  constructor(private readonly options: ExportServiceOptions) {}

  /** Queues an export: 409 while another one is queued or running, 429 past the daily allowance. */
  async request(userId: string): Promise<AccountExport> {
    const { db, maxPerDay, maxAttempts } = this.options;
    const row = await withTransaction(db, async (trx) => {
      await repo.lockUserExports(trx, userId);
      const active = await repo.findActiveExport(trx, userId);
      if (active) {
        throw AppError.conflict('an export of this account is already being built', {
          exportId: active.id,
        });
      }
      const now = Date.now();
      const recent = await repo.exportTimesSince(trx, userId, new Date(now - DAY_MS));
      const oldest = recent[0];
      if (recent.length >= maxPerDay && oldest) {
        throw AppError.rateLimited(
          Math.max(1, Math.ceil((oldest.getTime() + DAY_MS - now) / 1000)),
          `at most ${maxPerDay} exports a day`,
        );
      }
      return repo.insertExport(trx, { id: newId(), user_id: userId, max_attempts: maxAttempts });
    });
    return toExport(row);
  }

  async get(userId: string, id: string): Promise<AccountExport> {
    const row = await repo.findUserExport(this.options.db, userId, id);
    if (!row) throw AppError.notFound('export');
    return toExport(row);
  }

  /** The zip of a ready export; 409 while it is not ready, 404 when it is not the user's or has expired. */
  async download(userId: string, id: string): Promise<{ archive: Buffer; createdAt: Date }> {
    const taken = await repo.takeArchive(this.options.db, userId, id, DOWNLOAD_GRACE_MS);
    if (taken) return { archive: taken.archive, createdAt: taken.created_at };
    const row = await repo.findUserExport(this.options.db, userId, id);
    if (!row) throw AppError.notFound('export');
    const current = toExport(row);
    if (current.status === 'expired')
      throw AppError.notFound('export archive (it expired; ask for a new export)');
    throw AppError.conflict(`the export is ${current.status}, not ready`, { status: current.status });
  }
}
