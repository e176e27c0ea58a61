/** The order state machine: which status may follow which (anything else is a 409 naming these). */
import type { OrderStatus } from '@cartwatch/common-types';

export const allowedTransitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAID', 'CANCELLED'],
  PAID: ['SHIPPED', 'REFUNDED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: ['REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return allowedTransitions[from].includes(to);
}

/**
 * What a transition does to stock. A PENDING or PAID order holds a reservation; shipping turns it into a
 * decrement of on_hand; cancelling (or refunding before shipping) releases it; a refund after delivery
 * puts units back only when the goods came back (`restock`).
 */
export type StockEffect = 'none' | 'release' | 'ship' | 'restock';

export function stockEffectOf(from: OrderStatus, to: OrderStatus, restock: boolean): StockEffect {
  if (to === 'CANCELLED') return 'release';
  if (from === 'PAID' && to === 'REFUNDED') return 'release';
  if (to === 'SHIPPED') return 'ship';
  if (from === 'DELIVERED' && to === 'REFUNDED') return restock ? 'restock' : 'none';
  return 'none';
}
