/**
 * The browser side of web push: permission, the service worker's PushManager subscription, and its JSON
 * for `POST /me/push-subscriptions`. Screens use it through `AppServices.push`, so tests pass a fake.
 */

export interface PushSubscriptionJson {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
}

/** The browser (or the person) did not allow notifications. */
export class PushPermissionRefused extends Error {
  override readonly name = 'PushPermissionRefused';
  constructor() {
    super('The browser did not allow notifications for CartWatch.');
  }
}

export interface PushPlatform {
  /** Whether this browser can receive web push at all (service worker + PushManager + Notification). */
  readonly supported: boolean;
  permission(): NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  /** This browser's subscription, if it has one. */
  current(): Promise<PushSubscriptionJson | null>;
  /** Subscribes with the server's VAPID public key (base64url). */
  subscribe(vapidPublicKey: string): Promise<PushSubscriptionJson>;
  /** Drops this browser's subscription; resolves with its endpoint (null when there was none). */
  unsubscribe(): Promise<string | null>;
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function toJson(subscription: PushSubscription): PushSubscriptionJson {
  const json = subscription.toJSON();
  return {
    endpoint: subscription.endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
  };
}

/** The real browser (the service worker the PWA plugin registers). */
export function browserPush(): PushPlatform {
  const supported =
    typeof window !== 'undefined' &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window;
  const registration = () => navigator.serviceWorker.ready;
  return {
    supported,
    permission: () => (supported ? Notification.permission : 'denied'),
    requestPermission: () => Notification.requestPermission(),
    async current() {
      if (!supported) return null;
      const subscription = await (await registration()).pushManager.getSubscription();
      return subscription ? toJson(subscription) : null;
    },
    async subscribe(vapidPublicKey) {
      const subscription = await (await registration()).pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlToBytes(vapidPublicKey),
      });
      return toJson(subscription);
    },
    async unsubscribe() {
      if (!supported) return null;
      const subscription = await (await registration()).pushManager.getSubscription();
      if (!subscription) return null;
      await subscription.unsubscribe();
      return subscription.endpoint;
    },
  };
}

/** Which saved subscription id belongs to an endpoint of this browser (for DELETE on unsubscribe). */
const STORAGE_KEY = 'cartwatch.push-subscriptions';

export function rememberSubscription(endpoint: string, id: string): void {
  const saved = savedSubscriptions();
  saved[endpoint] = id;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
}

export function forgetSubscription(endpoint: string): string | undefined {
  const saved = savedSubscriptions();
  const id = saved[endpoint];
  delete saved[endpoint];
  localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
  return id;
}

function savedSubscriptions(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}
