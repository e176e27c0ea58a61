/**
 * Every path prefix the gateway answers itself or proxies to a service (from the route table in
 * common-types) plus its operational paths. The SPA never routes under them, the service worker never
 * serves its shell for them, and the dev server proxies them to the gateway.
 */
import { apiPathPrefixes } from '@cartwatch/common-types';

export const apiPrefixes: readonly string[] = apiPathPrefixes;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches a pathname at or under any API prefix (whole segments: `/stores` but not `/storesx`). */
export const apiPathPattern = new RegExp(`^(${apiPrefixes.map(escapeRegExp).join('|')})(/|$)`);
