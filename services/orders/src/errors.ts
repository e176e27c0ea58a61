/** Errors particular to orders, in the common error model (codes from common-types). */
import { isAmountInRange, MAX_AMOUNT_CENTS } from '@cartwatch/common-types';
import { AppError } from '@cartwatch/service-kit';

export interface Shortage {
  catalogItemId: string;
  productId: string;
  requested: number;
  available: number;
}

/** 409 OUT_OF_STOCK with what was short (`details.reason` kept for clients that read it). */
export function outOfStock(shortages: Shortage[]): AppError {
  return new AppError('OUT_OF_STOCK', 'out of stock', { reason: 'OUT_OF_STOCK', shortages });
}

/**
 * Cart and order totals stay within MAX_AMOUNT_CENTS (prices are bounded, but quantity x price and the
 * sum of the lines are not): 400 VALIDATION_FAILED on `path` rather than a total no bigint read can hold.
 */
export function assertTotalInRange(totalCents: number, path: string): void {
  if (isAmountInRange(totalCents)) return;
  throw AppError.validation(
    [{ path, message: `the total would exceed ${MAX_AMOUNT_CENTS} minor units`, code: 'too_big' }],
    'the total is out of range',
  );
}
