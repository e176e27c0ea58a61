/**
 * The review form's values and the draft they come from and go back to: money and quantities as the
 * shopper types them, checked here before anything is sent (the API checks again,
 * docs/receipt-ingest.md#receipts-from-photos).
 */
import type { components } from '../../api/schema';

export type PhotoReceipt = components['schemas']['PhotoReceipt'];
export type PhotoDraft = NonNullable<PhotoReceipt['draft']>;
export type DraftLine = components['schemas']['PhotoDraftLine'];
export type DraftInput = components['schemas']['PhotoDraftInput'];

/** Lines read with less confidence than this are marked for checking against the photo. */
export const LOW_CONFIDENCE = 0.8;

export interface LineForm {
  /** React key: the draft line's id, or a fresh one for an added line. */
  key: string;
  /** The draft line this one edits (keeps its photo region); absent for an added line. */
  id?: string;
  name: string;
  quantity: string;
  unitPrice: string;
  paid: string;
  unit: DraftLine['unit'];
  discountCents: number;
  gtin: string | null;
  confidence: number;
  region: DraftLine['region'];
}

export interface DraftForm {
  storeSlug: string;
  purchasedAt: string;
  currency: string;
  lines: LineForm[];
}

export type FormErrors = Record<string, string>;

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a `datetime-local` value in this browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export const centsToInput = (cents: number) => (cents / 100).toFixed(2);

/** `4.29`, `$4.29`, `4,29`, `-1.00` to cents; undefined when it is not an amount. */
export function parseMoney(text: string): number | undefined {
  const cleaned = text.replace(/[\s$€£]/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d{1,2})?$/.test(cleaned) && !/^-?\.\d{1,2}$/.test(cleaned)) return undefined;
  return Math.round(Number(cleaned) * 100);
}

function parseQuantity(text: string): number | undefined {
  const value = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(value) && value > 0 && value <= 100_000 ? value : undefined;
}

let added = 0;

export function lineForm(line?: DraftLine): LineForm {
  if (!line) {
    added += 1;
    return {
      key: `new-${added}`,
      name: '',
      quantity: '1',
      unitPrice: '',
      paid: '',
      unit: 'ea',
      discountCents: 0,
      gtin: null,
      confidence: 1,
      region: null,
    };
  }
  return {
    key: line.id,
    id: line.id,
    name: line.name,
    quantity: String(line.quantity),
    unitPrice: centsToInput(line.unitPriceCents),
    paid: centsToInput(line.paidCents),
    unit: line.unit,
    discountCents: line.discountCents,
    gtin: line.gtin,
    confidence: line.confidence,
    region: line.region,
  };
}

export function draftForm(draft: PhotoDraft): DraftForm {
  return {
    storeSlug: draft?.storeSlug ?? '',
    purchasedAt: toLocalInput(draft?.purchasedAt ?? null),
    currency: draft?.currency ?? 'USD',
    lines: (draft?.lines ?? []).map((line) => lineForm(line)),
  };
}

/**
 * The form as the API's draft input, or the problems by field path (`lines.2.paid`, as the API names
 * them). A line needs a name, a quantity above 0 and a paid amount or a unit price (either one gives the
 * other from the quantity).
 */
export function toDraftInput(
  form: DraftForm,
  draft: PhotoDraft,
): { ok: true; input: DraftInput } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  if (!/^[A-Z]{3}$/.test(form.currency)) errors.currency = 'A three-letter currency code, such as USD.';
  let purchasedAt: string | null = null;
  if (form.purchasedAt) {
    const date = new Date(form.purchasedAt);
    if (Number.isNaN(date.getTime())) errors.purchasedAt = 'A date and time, or leave it empty.';
    else purchasedAt = date.toISOString();
  }
  const lines = form.lines.map((line, index) => {
    const at = (field: string) => `lines.${index}.${field}`;
    if (!line.name.trim()) errors[at('name')] = 'What was bought: the line’s name.';
    const quantity = parseQuantity(line.quantity);
    if (quantity === undefined) errors[at('quantity')] = 'A quantity above 0.';
    let unitPriceCents = line.unitPrice.trim() ? parseMoney(line.unitPrice) : undefined;
    let paidCents = line.paid.trim() ? parseMoney(line.paid) : undefined;
    if (line.unitPrice.trim() && unitPriceCents === undefined)
      errors[at('unitPriceCents')] = 'An amount, such as 2.99.';
    if (line.paid.trim() && paidCents === undefined) errors[at('paidCents')] = 'An amount, such as 2.99.';
    if (!line.unitPrice.trim() && !line.paid.trim()) errors[at('paidCents')] = 'What this line cost.';
    if (quantity !== undefined) {
      if (paidCents === undefined && unitPriceCents !== undefined && !line.paid.trim())
        paidCents = Math.round(unitPriceCents * quantity) - line.discountCents;
      if (unitPriceCents === undefined && paidCents !== undefined && !line.unitPrice.trim())
        unitPriceCents = Math.round((paidCents + line.discountCents) / quantity);
    }
    return {
      ...(line.id !== undefined && { id: line.id }),
      name: line.name.trim(),
      quantity: quantity ?? 0,
      unit: line.unit,
      unitPriceCents: unitPriceCents ?? 0,
      paidCents: paidCents ?? 0,
      discountCents: line.discountCents,
      gtin: line.gtin,
    };
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      storeSlug: form.storeSlug || null,
      // The recognised location stays while the recognised store does.
      locationId: form.storeSlug && form.storeSlug === draft?.storeSlug ? draft.locationId : null,
      purchasedAt,
      currency: form.currency,
      lines,
    },
  };
}
