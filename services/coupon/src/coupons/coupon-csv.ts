/**
 * CSV deal feeds -> coupon objects for the same validation as JSON. RFC 4180 quoting; the header names
 * the fields (camelCase as in the JSON API, `scopeKind`/`productId`/`brand`/`category` for the scope).
 */

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else field += char;
      continue;
    }
    if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((cells) => !(cells.length === 1 && cells[0] === ''));
}

const integerFields = new Set([
  'percentOff',
  'amountOffCents',
  'buyQuantity',
  'getQuantity',
  'getPercentOff',
  'thresholdCents',
  'minQuantity',
  'minPurchaseCents',
]);
const scopeFields = new Set(['productId', 'brand', 'category']);

/** One object per data row; empty cells are left out, numbers and booleans converted when they look right. */
export function couponsFromCsv(text: string): Record<string, unknown>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const names = header.map((name) => name.trim());
  return rows.map((cells) => {
    const coupon: Record<string, unknown> = {};
    const scope: Record<string, unknown> = {};
    names.forEach((name, index) => {
      const raw = (cells[index] ?? '').trim();
      if (raw === '') return;
      if (name === 'scopeKind') scope.kind = raw;
      else if (scopeFields.has(name)) scope[name] = raw;
      else if (integerFields.has(name)) coupon[name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      else if (name === 'requiresClip') coupon[name] = raw === 'true' ? true : raw === 'false' ? false : raw;
      else coupon[name] = raw;
    });
    coupon.scope = scope;
    return coupon;
  });
}
