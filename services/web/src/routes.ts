/**
 * The app's own paths. None may sit under an API prefix (see api-paths.ts): the gateway answers those
 * itself, so a reload there would never reach the app. test/routes.test.ts holds that.
 */
export const routes = {
  home: '/',
  signIn: '/sign-in',
  signInWithCode: '/sign-in/code',
  signUp: '/sign-up',
  verifyEmail: '/verify-email',
  resetPassword: '/reset-password',
  dashboard: '/app',
  purchases: '/app/purchases',
  purchase: (id: string) => `/app/purchases/${id}`,
  importReceipt: '/app/import',
  products: '/app/products',
  product: (id: string) => `/app/products/${id}`,
  watches: '/app/watches',
  watch: (id: string) => `/app/watches/${id}`,
  alerts: '/app/alerts',
  lists: '/app/lists',
  list: (id: string) => `/app/lists/${id}`,
  shop: '/app/shop',
  store: (locationId: string) => `/app/shop/${locationId}`,
  cart: (locationId: string) => `/app/shop/${locationId}/cart`,
  orders: '/app/orders',
  order: (id: string) => `/app/orders/${id}`,
  adminOrders: '/app/admin/orders',
  inflation: '/explore/inflation',
  storeComparison: '/explore/stores',
  shrinkflation: '/explore/shrinkflation',
} as const;
