/**
 * The user's delivery rules per alert type and their quiet hours (docs/gateway.md, "Notifications").
 * Local times are converted with Intl, which carries the IANA time-zone database: no dependency needed
 * for one wall-clock-to-instant conversion.
 */
import {
  AlertTypeRule,
  type NotifiableAlertKind,
  NotifiableAlertKinds,
  type QuietHours,
} from '@cartwatch/common-types';
import type { PreferenceRow } from './notification.repository.js';

export const DEFAULT_RULE: AlertTypeRule = {
  email: true,
  sms: true,
  webhook: true,
  push: true,
  minChangePct: null,
};

export type AlertTypeRules = Record<NotifiableAlertKind, AlertTypeRule>;

/** Every type's rule: the stored one where the user set it, else the default (all channels, any change). */
export function rulesOf(stored: unknown): AlertTypeRules {
  const saved = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  return Object.fromEntries(
    NotifiableAlertKinds.map((kind) => {
      const parsed = AlertTypeRule.safeParse(saved[kind]);
      return [kind, parsed.success ? parsed.data : DEFAULT_RULE];
    }),
  ) as AlertTypeRules;
}

export function quietHoursOf(row: Pick<PreferenceRow, 'quiet_start' | 'quiet_end' | 'quiet_time_zone'>) {
  if (row.quiet_start === null || row.quiet_end === null || row.quiet_time_zone === null) return null;
  return { start: row.quiet_start, end: row.quiet_end, timeZone: row.quiet_time_zone } satisfies QuietHours;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

function localTime(instant: number, timeZone: string): LocalTime & { offsetMs: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((candidate) => candidate.type === type)?.value);
  const [year, month, day, hour, minute, second] = [
    part('year'),
    part('month'),
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  ];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return {
    year,
    month,
    day,
    minutes: hour * 60 + minute,
    offsetMs: asUtc - Math.floor(instant / 1000) * 1000,
  };
}

/** The instant the wall-clock time `minutes` of the given local day happens in `timeZone`. */
function instantOf(day: Omit<LocalTime, 'minutes'>, minutes: number, timeZone: string): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day, Math.floor(minutes / 60), minutes % 60);
  const first = wall - localTime(wall, timeZone).offsetMs;
  const second = wall - localTime(first, timeZone).offsetMs;
  return second;
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * When `now` falls in the quiet hours, the instant they end (a window whose end is before its start
 * runs over midnight); otherwise undefined.
 */
export function quietHoursEnd(quiet: QuietHours, now: Date): Date | undefined {
  const local = localTime(now.getTime(), quiet.timeZone);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const overnight = end < start;
  const inside = overnight
    ? local.minutes >= start || local.minutes < end
    : local.minutes >= start && local.minutes < end;
  if (!inside) return undefined;
  let day: Omit<LocalTime, 'minutes'> = local;
  if (overnight && local.minutes >= start) {
    const next = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
    day = { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
  }
  return new Date(instantOf(day, end, quiet.timeZone));
}
