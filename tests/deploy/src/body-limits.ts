/**
 * Request body limits from the edge to the services (docs/deploy.md, "Body limits"): the values each
 * process runs with, read from the environment a shipped configuration gives it and, for what it leaves
 * unset, the defaults docs/configuration.md documents (generated from the env schemas).
 */

/** docs/configuration.md: section ("Common to every service", or a service's name) → variable → default. */
export function documentedDefaults(configurationDoc: string): Map<string, Map<string, string | undefined>> {
  const sections = new Map<string, Map<string, string | undefined>>();
  for (const section of configurationDoc.split(/^## /m).slice(1)) {
    const title = section.split('\n')[0]?.trim() ?? '';
    const variables = new Map<string, string | undefined>();
    for (const match of section.matchAll(/^\| `([A-Z0-9_]+)` \| [^|]* \| (?:`([^`]*)`)? *\|/gm)) {
      variables.set(match[1] ?? '', match[2]);
    }
    sections.set(title, variables);
  }
  return sections;
}

export const commonSection = 'Common to every service';

/** The value `variable` has in `service`: its environment, else its documented default, else undefined. */
export function effectiveSetting(
  defaults: Map<string, Map<string, string | undefined>>,
  service: string,
  variable: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const own = defaults.get(service);
  const common = defaults.get(commonSection);
  if (!own?.has(variable) && !common?.has(variable)) {
    throw new Error(`${service} does not read ${variable} (docs/configuration.md)`);
  }
  return env[variable] ?? own?.get(variable) ?? common?.get(variable);
}

const binaryUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** nginx's size syntax (`client_max_body_size`, ingress-nginx's `proxy-body-size`): `20m`, `512k`, `1048576`. */
export function nginxSize(text: string): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(text.trim());
  if (!match) throw new Error(`not an nginx size: "${text}"`);
  return Number(match[1]) * (binaryUnits[(match[2] ?? '').toLowerCase()] ?? Number.NaN);
}

/**
 * The `bytes` syntax express's body parsers take (`BODY_LIMIT`): a number of bytes, or a number with
 * b, kb, mb or gb (1024-based, case-insensitive).
 */
export function expressSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a body size: "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase().replace(/b$/, '');
  return Math.floor(Number(match[1]) * (binaryUnits[unit] ?? Number.NaN));
}

/**
 * Every variable that limits the size of a request body a service accepts, with its syntax. A variable
 * whose name looks like a size limit must be listed here or in `notRequestBodyLimits`, so a new one
 * cannot be forgotten by the edge check.
 */
export const requestBodyLimits: ReadonlyArray<{
  section: string;
  variable: string;
  parse: (text: string) => number;
}> = [
  // JSON bodies, inbound-mail webhooks, payment webhooks and coupon CSVs (express body parsers).
  { section: commonSection, variable: 'BODY_LIMIT', parse: expressSize },
  // receipt-ingest's streamed receipt CSV, the largest upload.
  { section: 'receipt-ingest', variable: 'CSV_MAX_BYTES', parse: Number },
  // receipt-ingest's receipt photos (POST /receipts/photo).
  { section: 'receipt-ingest', variable: 'PHOTO_MAX_BYTES', parse: Number },
];

/** Size-like variables that are not a limit on a request body the service accepts from a client. */
export const notRequestBodyLimits: Record<string, string> = {
  PROXY_MAX_BODY_BYTES: 'the gateway’s proxy limit, the one the edge is held to',
  URL_CHECK_MAX_BYTES: 'price-watch’s cap on a page it downloads, not a request it receives',
  EVENTS_STREAM_MAX_BYTES: 'the size of the JetStream stream (test/event-stream.test.ts)',
};

export const sizeLikeVariable = /BODY|_MAX_BYTES$|_LIMIT$/;

/** A Kubernetes quantity in bytes (`10Gi`, `512Mi`, `1G`). */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a byte quantity: ${quantity}`);
  const units: Record<string, number> = {
    '': 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(match[1]) * (units[match[2] ?? ''] ?? Number.NaN);
}
