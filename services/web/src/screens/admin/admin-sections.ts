/** The admin screens, in the order the admin landing page and the admin sub-navigation list them. */
import { routes } from '../../routes';

export const adminSections = [
  { path: routes.adminOrders, label: 'Orders', about: "Every shopper's orders: ship, deliver, refund." },
  { path: routes.adminCoupons, label: 'Coupons', about: 'Publish coupons and delete old ones.' },
  {
    path: routes.adminCatalog,
    label: 'Catalog and stock',
    about: 'Store locations, the items they sell, prices and units on hand.',
  },
  { path: routes.adminDevices, label: 'Devices', about: 'Smart carts: register, rotate keys, revoke.' },
  { path: routes.adminLayouts, label: 'Store layouts', about: 'Aisles, walkways and what sits where.' },
  {
    path: routes.adminShrinkflation,
    label: 'Shrinkflation review',
    about: 'Confirm or reject detected pack shrinks before they are published.',
  },
  {
    path: routes.adminModeration,
    label: 'Moderation',
    about: 'Suspicious prices, shrinkflation claims and possible duplicate products.',
  },
  {
    path: routes.adminProducts,
    label: 'Products',
    about: 'Brand, category and pack size, with the history of every change.',
  },
] as const;
