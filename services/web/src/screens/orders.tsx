/**
 * Orders: the shopper's list and one order with its history (status changes arrive live over
 * `/me/events`, see use-live-alerts.ts) and its payment (payment.tsx), and the admin screen that moves
 * orders along (ship, deliver).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { unwrap } from '../api/errors';
import type { components } from '../api/schema';
import { useApi, useSession } from '../app-context';
import { FormError, Page, QueryState } from '../components/ui';
import { formatDateTime, formatMoney } from '../format';
import { routes } from '../routes';
import { PaymentPanel, type PaymentStart } from './payment';

type OrderStatus = components['schemas']['OrderStatus'];
type OrderSummary = components['schemas']['OrderSummary'];

/** The moves an admin makes from the order screen (docs/orders.md's state machine, minus the owner's). */
type AdminMove = 'SHIPPED' | 'DELIVERED' | 'REFUNDED';
const adminMoves: Partial<Record<OrderStatus, { to: AdminMove; label: string }[]>> = {
  PAID: [
    { to: 'SHIPPED', label: 'Mark shipped' },
    { to: 'REFUNDED', label: 'Refund' },
  ],
  SHIPPED: [{ to: 'DELIVERED', label: 'Mark delivered' }],
  DELIVERED: [{ to: 'REFUNDED', label: 'Refund' }],
};

export function adminMovesFor(status: OrderStatus): { to: AdminMove; label: string }[] {
  return adminMoves[status] ?? [];
}

const statusText: Record<OrderStatus, string> = {
  PENDING: 'Waiting for payment',
  PAID: 'Paid',
  CANCELLED: 'Cancelled',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  REFUNDED: 'Refunded',
};

export function describeStatus(status: OrderStatus): string {
  return statusText[status];
}

function OrderRows({ orders, admin }: { orders: OrderSummary[]; admin?: boolean }) {
  return (
    <table>
      <caption className="sr-only">Orders</caption>
      <thead>
        <tr>
          <th scope="col">Placed</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Items
          </th>
          <th scope="col" className="num">
            Total
          </th>
          {admin && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {orders.map((order) => (
          <tr key={order.id}>
            <td>
              <Link to={routes.order(order.id)}>{formatDateTime(order.createdAt)}</Link>
            </td>
            <td data-testid="order-status">{describeStatus(order.status)}</td>
            <td className="num">{order.itemCount}</td>
            <td className="num">{formatMoney(order.totalCents, order.currency)}</td>
            {admin && (
              <td>
                <StatusButtons id={order.id} status={order.status} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OrdersScreen() {
  const api = useApi();
  const orders = useQuery({
    queryKey: ['orders', 'list'],
    queryFn: async () => unwrap(await api.GET('/orders', { params: { query: { limit: 100 } } })),
  });
  return (
    <Page title="Orders" actions={<Link to={routes.shop}>Shop</Link>}>
      <QueryState query={orders} empty={(page) => page.items.length === 0}>
        {(page) => <OrderRows orders={page.items} />}
      </QueryState>
    </Page>
  );
}

function StatusButtons({ id, status }: { id: string; status: OrderStatus }) {
  const api = useApi();
  const queryClient = useQueryClient();
  // A refund goes through the payment provider (the order turns REFUNDED when it confirms); shipping
  // and delivery are status changes.
  const move = useMutation({
    mutationFn: async (to: AdminMove) =>
      to === 'REFUNDED'
        ? unwrap(await api.POST('/orders/{id}/refund', { params: { path: { id } }, body: {} }))
        : unwrap(await api.PATCH('/orders/{id}/status', { params: { path: { id } }, body: { status: to } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['orders'] }),
  });
  const moves = adminMovesFor(status);
  if (moves.length === 0) return <span className="muted">–</span>;
  return (
    <>
      {moves.map((next) => (
        <button
          key={next.to}
          type="button"
          className="secondary"
          disabled={move.isPending}
          onClick={() => move.mutate(next.to)}
        >
          {next.label}
        </button>
      ))}
      <FormError error={move.error} />
    </>
  );
}

export function OrderScreen() {
  const api = useApi();
  const queryClient = useQueryClient();
  const session = useSession();
  const isAdmin = session.status === 'signed-in' && session.user.role === 'admin';
  const { id = '' } = useParams();
  const order = useQuery({
    queryKey: ['orders', 'one', id],
    queryFn: async () => unwrap(await api.GET('/orders/{id}', { params: { path: { id } } })),
  });
  const history = useQuery({
    queryKey: ['orders', 'history', id],
    queryFn: async () =>
      unwrap(await api.GET('/orders/{id}/history', { params: { path: { id }, query: { limit: 100 } } })),
  });
  // The checkout hands over the payment it started; "Pay" starts (or resumes) one here.
  const handedOver = (useLocation().state as { payment?: PaymentStart } | null)?.payment;
  const [payment, setPayment] = useState(handedOver?.order.id === id ? handedOver : undefined);
  const pay = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/orders/{id}/pay', { params: { path: { id } }, body: {} })),
    onSuccess: setPayment,
  });
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/orders/{id}/cancel', { params: { path: { id } }, body: {} })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['orders'] }),
  });
  return (
    <Page title="Order" actions={<Link to={routes.orders}>All orders</Link>}>
      <QueryState query={order}>
        {(data) => (
          <>
            <p className="big" aria-live="polite">
              Status: <strong data-testid="order-status">{describeStatus(data.status)}</strong>
            </p>
            <table>
              <caption className="sr-only">Items in this order</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item) => (
                  <tr key={item.id}>
                    <td>{item.name}</td>
                    <td className="num">{item.quantity}</td>
                    <td className="num">{formatMoney(item.lineTotalCents, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={2}>
                    Total
                  </th>
                  <td className="num">{formatMoney(data.totalCents, data.currency)}</td>
                </tr>
              </tfoot>
            </table>
            {data.status === 'PENDING' && payment && (
              <PaymentPanel
                start={payment}
                onSettled={(settled) => {
                  setPayment(undefined);
                  queryClient.setQueryData(['orders', 'one', id], settled);
                  void queryClient.invalidateQueries({ queryKey: ['orders'] });
                }}
              />
            )}
            {data.status === 'PENDING' && !payment && (
              <p>
                <button type="button" onClick={() => pay.mutate()} disabled={pay.isPending}>
                  Pay {formatMoney(data.totalCents, data.currency)}
                </button>{' '}
                <button
                  type="button"
                  className="secondary"
                  onClick={() => cancel.mutate()}
                  disabled={cancel.isPending}
                >
                  Cancel order
                </button>
              </p>
            )}
            <FormError error={pay.error ?? cancel.error} />
            {isAdmin && <StatusButtons id={data.id} status={data.status} />}
          </>
        )}
      </QueryState>
      <h2>History</h2>
      <QueryState query={history} empty={(page) => page.items.length === 0}>
        {(page) => (
          <ol className="plain">
            {page.items.map((change) => (
              <li key={change.id}>
                {formatDateTime(change.createdAt)}: {describeStatus(change.to)}
                {change.reason && <span className="muted"> ({change.reason})</span>}
              </li>
            ))}
          </ol>
        )}
      </QueryState>
    </Page>
  );
}

/** Admins: every user's orders, filtered by status, with the ship/deliver/refund moves. */
export function AdminOrdersScreen() {
  const api = useApi();
  const orders = useQuery({
    queryKey: ['orders', 'all'],
    queryFn: async () => unwrap(await api.GET('/orders', { params: { query: { all: 'true', limit: 100 } } })),
  });
  return (
    <Page title="All orders (admin)">
      <QueryState query={orders} empty={(page) => page.items.length === 0}>
        {(page) => <OrderRows orders={page.items} admin />}
      </QueryState>
    </Page>
  );
}
