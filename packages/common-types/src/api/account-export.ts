/**
 * The whole-account export (GET/POST /me/export): a job the gateway runs after the request that asked
 * for it, collecting every service's data about the user into one zip (docs/privacy.md#export).
 */
import { z } from 'zod';
import { Uuid } from '../ids.js';

export const accountExportStatuses = ['queued', 'running', 'ready', 'failed', 'expired'] as const;

export const AccountExportStatus = z
  .enum(accountExportStatuses)
  .describe(
    '`queued` (waiting, or waiting for a retry after a service failed), `running`, `ready` (download it), ' +
      '`failed` (see `error`), `expired` (the archive was deleted; ask for a new export)',
  );

/** The areas of the archive in the order they are collected; `progress.done` counts them. */
export const accountExportAreas = [
  'profile',
  'purchases',
  'purchases.csv',
  'watches',
  'lists',
  'orders',
] as const;

export const AccountExport = z
  .object({
    id: Uuid,
    status: AccountExportStatus,
    progress: z
      .object({ done: z.number().int().min(0), total: z.number().int().min(1) })
      .describe('Areas collected so far out of all of them'),
    attempts: z.number().int().min(0).describe('Runs started so far (a failed service is retried)'),
    error: z
      .string()
      .nullable()
      .describe('Why the last run failed (while retrying, or for good when `failed`)'),
    sizeBytes: z.number().int().nullable().describe('Size of the zip once ready'),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso
      .datetime()
      .nullable()
      .describe(
        'When the archive is deleted (set once ready or failed; an hour after the first download at the latest)',
      ),
  })
  .meta({ id: 'AccountExport' });
export type AccountExport = z.infer<typeof AccountExport>;

export const AccountExportParams = z.strictObject({ id: Uuid });
