/** Errors particular to orders, in the common error model (codes from common-types). */
import { AppError } from '@cartwatch/service-kit';

export interface Shortage {
  catalogItemId: string;
  productId: string;
  requested: number;
  available: number;
}

/** 409 CONFLICT with `details.reason = 'OUT_OF_STOCK'` and what was short. */
export function outOfStock(shortages: Shortage[]): AppError {
  return AppError.conflict('out of stock', { reason: 'OUT_OF_STOCK', shortages });
}
