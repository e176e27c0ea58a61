/**
 * Price extraction from a product page, in order: JSON-LD schema.org Product/Offer, microdata,
 * OpenGraph price tags, then the watch's CSS selector. The first method that finds a price decides; if
 * it finds several different prices the page is ambiguous and refused rather than guessed.
 */
import { load } from 'cheerio';
import { currencyIn, parseDecimalPrice, parsePriceText } from './price-text.js';

export type ExtractionMethod = 'json-ld' | 'microdata' | 'opengraph' | 'selector';

export type Extraction =
  | {
      ok: true;
      method: ExtractionMethod;
      priceCents: number;
      currency: string;
      available: boolean | null;
      title: string | undefined;
    }
  | { ok: false; code: 'AMBIGUOUS_PRICE' | 'NO_PRICE' | 'NO_CURRENCY'; message: string };

interface Candidate {
  cents: number;
  currency: string | undefined;
  available: boolean | null;
}

function availabilityOf(value: unknown): boolean | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.toLowerCase();
  if (/outofstock|out of stock|soldout|sold out|discontinued|oos/.test(text)) return false;
  if (/instock|in stock|limitedavailability|onlineonly|instoreonly|preorder|available/.test(text))
    return true;
  return null;
}

function typesOf(node: Record<string, unknown>): string[] {
  const type = node['@type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
}

/** Walks JSON-LD for Offer / AggregateOffer nodes (inside Products or standalone). */
function jsonLdCandidates(documents: unknown[]): { candidates: Candidate[]; title: string | undefined } {
  const candidates: Candidate[] = [];
  let title: string | undefined;
  const seen = new Set<unknown>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12 || node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    const types = typesOf(record);
    if (types.includes('Product') && typeof record.name === 'string') title ??= record.name;
    if (types.includes('Offer') || types.includes('AggregateOffer')) {
      const specification = record.priceSpecification as Record<string, unknown> | undefined;
      const rawPrice = record.price ?? record.lowPrice ?? specification?.price;
      const cents =
        parseDecimalPrice(rawPrice) ??
        (typeof rawPrice === 'string' ? parsePriceText(rawPrice)?.cents : undefined);
      const currency = (record.priceCurrency ?? specification?.priceCurrency) as string | undefined;
      if (cents !== undefined) {
        candidates.push({
          cents,
          currency: typeof currency === 'string' ? currency.toUpperCase() : undefined,
          available: availabilityOf(record.availability),
        });
      }
    }
    for (const [key, value] of Object.entries(record)) if (key !== '@context') visit(value, depth + 1);
  };
  for (const document of documents) visit(document, 0);
  return { candidates, title };
}

function decide(
  method: ExtractionMethod,
  candidates: Candidate[],
  title: string | undefined,
  fallbackCurrency: string | undefined,
): Extraction | undefined {
  if (candidates.length === 0) return undefined;
  const distinct = [
    ...new Set(
      candidates.map((candidate) => `${candidate.cents}|${candidate.currency ?? fallbackCurrency ?? ''}`),
    ),
  ];
  if (distinct.length > 1) {
    return {
      ok: false,
      code: 'AMBIGUOUS_PRICE',
      message: `the page lists ${distinct.length} different prices (${method}: ${distinct
        .slice(0, 5)
        .map((key) => key.replace('|', ' '))
        .join(', ')}); add a CSS selector for the one to watch`,
    };
  }
  const [first] = candidates;
  if (!first) return undefined;
  const currency = first.currency ?? fallbackCurrency;
  if (!currency || !/^[A-Z]{3}$/.test(currency)) {
    return { ok: false, code: 'NO_CURRENCY', message: `found a price with ${method} but no currency` };
  }
  const available = candidates.find((candidate) => candidate.available !== null)?.available ?? null;
  return { ok: true, method, priceCents: first.cents, currency, available, title };
}

export function extractPrice(html: string, options: { cssSelector?: string | undefined } = {}): Extraction {
  const $ = load(html);
  const pageTitle =
    $('meta[property="og:title"]').attr('content')?.trim() || $('title').first().text().trim() || undefined;
  const ogCurrency = (
    $('meta[property="product:price:currency"]').attr('content') ??
    $('meta[property="og:price:currency"]').attr('content')
  )
    ?.trim()
    .toUpperCase();

  // 1. JSON-LD
  const documents: unknown[] = [];
  $('script[type="application/ld+json"]').each((_, element) => {
    try {
      documents.push(JSON.parse($(element).text()));
    } catch {
      // A malformed block is ignored; other methods may still find the price.
    }
  });
  const jsonLd = jsonLdCandidates(documents);
  const fromJsonLd = decide('json-ld', jsonLd.candidates, jsonLd.title ?? pageTitle, ogCurrency);
  if (fromJsonLd) return fromJsonLd;

  // 2. Microdata: itemprop=price inside an Offer (or anywhere), its currency and availability.
  const microdata: Candidate[] = [];
  $('[itemprop="price"]').each((_, element) => {
    const node = $(element);
    const content = node.attr('content');
    const text = node.text();
    const cents =
      content !== undefined
        ? (parseDecimalPrice(content) ?? parsePriceText(content)?.cents)
        : parsePriceText(text)?.cents;
    if (cents === undefined) return;
    const scope = node.closest('[itemscope]');
    const currencyNode = scope.find('[itemprop="priceCurrency"]').first();
    const currency =
      (currencyNode.attr('content') ?? currencyNode.text()).trim().toUpperCase() || currencyIn(text);
    const availabilityNode = scope.find('[itemprop="availability"]').first();
    const availability =
      availabilityNode.attr('href') ?? availabilityNode.attr('content') ?? availabilityNode.text();
    microdata.push({ cents, currency, available: availabilityOf(availability) });
  });
  const productName =
    $('[itemtype$="schema.org/Product"] [itemprop="name"]').first().text().trim() || undefined;
  const fromMicrodata = decide('microdata', microdata, productName ?? pageTitle, ogCurrency);
  if (fromMicrodata) return fromMicrodata;

  // 3. OpenGraph / product meta tags.
  const og: Candidate[] = [];
  $('meta[property="product:price:amount"], meta[property="og:price:amount"]').each((_, element) => {
    const content = $(element).attr('content') ?? '';
    const cents = parseDecimalPrice(content) ?? parsePriceText(content)?.cents;
    if (cents !== undefined) {
      const availability =
        $('meta[property="product:availability"]').attr('content') ??
        $('meta[property="og:availability"]').attr('content');
      og.push({ cents, currency: ogCurrency, available: availabilityOf(availability) });
    }
  });
  const fromOg = decide('opengraph', og, pageTitle, ogCurrency);
  if (fromOg) return fromOg;

  // 4. The watch's CSS selector.
  if (options.cssSelector) {
    const selected: Candidate[] = [];
    let elements: ReturnType<typeof $>;
    try {
      elements = $(options.cssSelector);
    } catch {
      return { ok: false, code: 'NO_PRICE', message: `the CSS selector ${options.cssSelector} is not valid` };
    }
    elements.each((_, element) => {
      const parsed = parsePriceText($(element).text());
      if (parsed) selected.push({ cents: parsed.cents, currency: parsed.currency, available: null });
    });
    const fromSelector = decide('selector', selected, pageTitle, ogCurrency);
    if (fromSelector) return fromSelector;
  }
  return {
    ok: false,
    code: 'NO_PRICE',
    message: options.cssSelector
      ? `no price in structured data, and the selector ${options.cssSelector} matched no price`
      : 'no price in JSON-LD, microdata or OpenGraph tags; add a CSS selector',
  };
}
