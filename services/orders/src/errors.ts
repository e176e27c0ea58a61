/** Errors particular to orders, in the common error model (codes from common-types). */
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
