/*
 * Web push in the service worker (imported by the Workbox service worker, vite.config.ts): shows the
 * alert the gateway pushed ({ title, body, url, tag }, services/gateway/src/notifications/delivery-senders.ts)
 * and opens its link when the notification is clicked. Only http(s) links of any site, or paths of this
 * app, are opened.
 */
/* global self, clients */

function safeUrl(raw) {
  try {
    const url = new URL(typeof raw === 'string' ? raw : '/app/alerts', self.location.origin);
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? url.href
      : `${self.location.origin}/app/alerts`;
  } catch {
    return `${self.location.origin}/app/alerts`;
  }
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'CartWatch';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' ? data.tag : undefined,
      icon: '/icon-192.png',
      badge: '/icon-192.png',
      data: { url: safeUrl(data.url) },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data?.url);
  event.waitUntil(
    clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const same = windows.find((client) => client.url === url && 'focus' in client);
      if (same) return same.focus();
      return clients.openWindow(url);
    }),
  );
});
