/**
 * Completing a payment the API started (`POST /orders/{id}/pay` answers a PaymentStart; the order stays
 * "Waiting for payment" until the provider confirms it). With the `test` provider (`pnpm start`) the
 * shopper completes it here, standing in for the provider's payment page: `POST /payments/test/confirm`.
 * Stripe (card payments through Stripe.js and the Payment Element with `publishableKey`) is not wired
 * in this app yet: the panel says so instead of pretending.
 */
import { useMutation } from '@tanstack/react-query';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi } from '../app-context';
import { FormError } from '../components/ui';
import { formatMoney } from '../format';

export type PaymentStart = components['schemas']['PaymentStart'];
type Order = components['schemas']['Order'];

export function PaymentPanel({
  start,
  onSettled,
}: {
  start: PaymentStart;
  onSettled: (order: Order) => void;
}) {
  const api = useApi();
  const confirm = useMutation({
    mutationFn: async (outcome: 'succeeded' | 'failed') =>
      unwrap(
        await api.POST('/payments/test/confirm', { body: { clientSecret: start.clientSecret, outcome } }),
      ),
    onSuccess: onSettled,
  });
  const amount = formatMoney(start.payment.amountCents, start.payment.currency);
  if (start.payment.provider !== 'test') {
    return (
      <section className="card" aria-labelledby="payment-heading">
        <h2 id="payment-heading">Payment</h2>
        <p role="status">Card payments are not available in this app yet. Your order waits for payment.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      <p className="muted">
        Test payment provider: no money is taken. This stands for your bank's payment page.
      </p>
      <p>
        <button type="button" onClick={() => confirm.mutate('succeeded')} disabled={confirm.isPending}>
          Complete test payment of {amount}
        </button>{' '}
        <button
          type="button"
          className="secondary"
          onClick={() => confirm.mutate('failed')}
          disabled={confirm.isPending}
        >
          Decline the payment
        </button>
      </p>
      <FormError error={confirm.error} />
    </section>
  );
}
