/**
 * How an order gets paid. `POST /orders/{id}/pay` charges through the configured provider, then marks
 * the order PAID in a transaction; if the order stopped being PENDING meanwhile (the sweeper cancelled
 * it), the charge is refunded. A real provider (Stripe, Adyen...) implements this interface, is added
 * to `createPaymentProvider` under a new PAYMENT_PROVIDER value, and uses `idempotencyKey` (the order
 * id) so a retried charge is never taken twice.
 */
export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  /** Stable per order: the provider must treat a repeated key as the same charge. */
  idempotencyKey: string;
  /** What the payer gave, e.g. a receipt number for manual payments or a token for card providers. */
  reference?: string | undefined;
}

export interface ChargeResult {
  /** The provider's id of the payment, stored with the order. */
  reference: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** Takes the payment or throws an AppError (UNPROCESSABLE for a declined payment). */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives a charge back (the order could not be marked paid). */
  refund(charge: ChargeResult & { orderId: string; amountCents: number; currency: string }): Promise<void>;
}

/** Payment taken outside CartWatch (cash at the counter, card terminal); the store records it. */
export const manualPaymentProvider: PaymentProvider = {
  name: 'manual',
  async charge(request) {
    return { reference: request.reference ?? `manual-${request.orderId}` };
  },
  async refund() {
    // Nothing was taken through CartWatch; the store hands the money back itself.
  },
};

export function createPaymentProvider(name: 'manual'): PaymentProvider {
  switch (name) {
    case 'manual':
      return manualPaymentProvider;
  }
}
