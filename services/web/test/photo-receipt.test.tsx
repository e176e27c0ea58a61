/** Import › photo of a paper receipt and its review screen (issue #23), over a fake gateway. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, json, renderApp, validationFailed } from './fake-gateway';

const photoId = '01939f3e-0000-7000-8000-00000000a001';
const purchaseId = '01939f3e-0000-7000-8000-00000000b001';
const pngBytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const jpegBytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 9]);

const line = (overrides: Record<string, unknown>) => ({
  id: 'l1',
  name: 'BANANAS',
  quantity: 1,
  unit: 'ea',
  unitPriceCents: 136,
  paidCents: 136,
  discountCents: 0,
  gtin: null,
  confidence: 0.95,
  region: { x: 0.1, y: 0.3, width: 0.8, height: 0.04 },
  edited: false,
  ...overrides,
});

const draft = (overrides: Record<string, unknown> = {}) => ({
  storeSlug: 'kroger',
  locationId: null,
  storeMatchedBy: 'name',
  purchasedAt: '2026-12-01T15:30:00.000Z',
  currency: 'USD',
  lines: [
    line({}),
    line({ id: 'l2', name: 'CHEERI0S 18OZ', unitPriceCents: 499, paidCents: 499, confidence: 0.55 }),
    line({ id: 'l3', name: 'PAPER TOWELS 6PK', unitPriceCents: 899, paidCents: 899 }),
  ],
  unparsedLines: [],
  confidence: 0.9,
  text: 'KROGER\nBANANAS 1.36\n…',
  imageWidth: 1400,
  imageHeight: 2600,
  ...overrides,
});

const photo = (overrides: Record<string, unknown> = {}) => ({
  id: photoId,
  status: 'ready',
  createdAt: '2026-12-07T10:00:00.000Z',
  processedAt: '2026-12-07T10:00:04.000Z',
  error: null,
  hasImage: true,
  keepPhoto: false,
  purchaseId: null,
  draft: draft(),
  ...overrides,
});

const stores = () =>
  json(200, {
    items: [
      { slug: 'kroger', name: 'Kroger' },
      { slug: 'walmart', name: 'Walmart' },
    ],
    nextCursor: null,
  });

const image = () => new Response(jpegBytes, { status: 200, headers: { 'content-type': 'image/jpeg' } });

const reviewPath = `/app/import/photo/${photoId}`;
/** The review screen is a lazy chunk: its first render may wait for the import. */
const linesShown = () => screen.findByRole('list', { name: 'Lines' }, { timeout: 4_000 });
const lineGroup = (n: number) => screen.getByRole('group', { name: new RegExp(`^Line ${n}\\b`) });

describe('import › photo of a paper receipt', () => {
  it('uploads the raw image with its type, follows the reading, then shows the photo and the lines', async () => {
    const person = userEvent.setup();
    const uploads: { type: string | null; bytes: Uint8Array }[] = [];
    // Queued, then processing, until the test has seen the progress; then read.
    let read = false;
    let polls = 0;
    const reading = () => {
      polls += 1;
      return polls === 1
        ? photo({ status: 'queued', processedAt: null, draft: null })
        : photo({ status: 'processing', processedAt: null, draft: null });
    };
    const { seen } = renderApp(
      '/app/import',
      {
        'GET /stores': stores,
        'POST /receipts/photo': async (request) => {
          uploads.push({
            type: request.headers.get('content-type'),
            bytes: new Uint8Array(await request.arrayBuffer()),
          });
          return json(202, { id: photoId, status: 'queued', duplicate: false });
        },
        [`GET /receipts/photo/${photoId}`]: () => json(200, read ? photo({}) : reading()),
        [`GET /receipts/photo/${photoId}/image`]: image,
      },
      'user',
    );
    const section = await screen.findByRole('region', { name: 'Photo of a paper receipt' });
    const input = within(section).getByLabelText('Receipt photo') as HTMLInputElement;
    expect(input.getAttribute('accept')).toBe('image/*');
    expect(input.getAttribute('capture')).toBe('environment');
    await person.upload(input, new File([pngBytes], 'receipt.png', { type: 'image/png' }));
    await person.click(within(section).getByRole('button', { name: 'Upload photo' }));

    // While OCR runs: a status with a progress bar, then the draft.
    expect(await screen.findByText(/Waiting for a free reader/, {}, { timeout: 4_000 })).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Reading the receipt photo' })).toBeTruthy();
    expect(uploads).toEqual([{ type: 'image/png', bytes: pngBytes }]);
    expect(await screen.findByText(/Reading the receipt…/, {}, { timeout: 4_000 })).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Lines' })).toBeNull();
    read = true;

    expect(await screen.findByRole('list', { name: 'Lines' }, { timeout: 4_000 })).toBeTruthy();
    expect((within(lineGroup(1)).getByLabelText('Name') as HTMLInputElement).value).toBe('BANANAS');
    expect((within(lineGroup(2)).getByLabelText('Paid') as HTMLInputElement).value).toBe('4.99');
    expect((screen.getByLabelText('Store') as HTMLSelectElement).value).toBe('kroger');
    // The photo comes from the authenticated image route, shown as a data: URL (the CSP allows no blob:).
    const img = (await screen.findByRole('img', { name: 'The receipt as photographed' })) as HTMLImageElement;
    expect(img.getAttribute('src')).toBe(`data:image/jpeg;base64,${btoa(String.fromCharCode(...jpegBytes))}`);
    expect(seen.find((r) => r.path === `/receipts/photo/${photoId}/image`)?.auth).toBe('Bearer access-1');
  });

  it('marks hard-to-read lines in words, outlines the focused line on the photo, and saves edits', async () => {
    const person = userEvent.setup();
    let current = photo({});
    const { sent } = renderApp(
      reviewPath,
      {
        'GET /stores': stores,
        [`GET /receipts/photo/${photoId}`]: () => json(200, current),
        [`GET /receipts/photo/${photoId}/image`]: image,
        [`PUT /receipts/photo/${photoId}/draft`]: async (request) => {
          const body = (await request.json()) as { lines: Record<string, unknown>[] };
          current = photo({
            draft: draft({
              lines: body.lines.map((l, index) =>
                line({ ...l, id: l.id ?? `new-${index}`, confidence: 1, edited: true }),
              ),
            }),
          });
          return json(200, current);
        },
      },
      'user',
    );
    await linesShown();
    // Line 2 was read with low confidence: named so (legend and badge), not only coloured.
    expect(lineGroup(2).textContent).toMatch(/Check.*hard to read/);
    expect(lineGroup(1).textContent).not.toMatch(/Check/);
    expect(screen.getByText(/1 line was hard to read/)).toBeTruthy();

    await screen.findByRole('img', { name: 'The receipt as photographed' });
    await person.click(within(lineGroup(2)).getByLabelText('Name'));
    expect(document.querySelector<HTMLElement>('.photo-region')?.style.top).toBe('30%');

    await person.clear(within(lineGroup(2)).getByLabelText('Name'));
    await person.type(within(lineGroup(2)).getByLabelText('Name'), 'CHEERIOS 18OZ');
    await person.clear(within(lineGroup(2)).getByLabelText('Paid'));
    await person.type(within(lineGroup(2)).getByLabelText('Paid'), '4.49');
    await person.clear(within(lineGroup(2)).getByLabelText('Unit price'));
    await person.type(within(lineGroup(2)).getByLabelText('Unit price'), '4.49');
    await person.click(within(lineGroup(3)).getByRole('button', { name: 'Delete line 3' }));
    await person.click(screen.getByRole('button', { name: 'Add a line' }));
    await person.type(within(lineGroup(3)).getByLabelText('Name'), 'Eggs 12ct');
    await person.clear(within(lineGroup(3)).getByLabelText('Quantity'));
    await person.type(within(lineGroup(3)).getByLabelText('Quantity'), '2');
    await person.type(within(lineGroup(3)).getByLabelText('Unit price'), '2.15');
    await person.selectOptions(screen.getByLabelText('Store'), 'walmart');
    await person.click(screen.getByRole('button', { name: 'Save draft' }));

    expect(await screen.findByText('Draft saved.')).toBeTruthy();
    expect(sent('PUT', `/receipts/photo/${photoId}/draft`)).toEqual([
      {
        storeSlug: 'walmart',
        locationId: null,
        purchasedAt: '2026-12-01T15:30:00.000Z',
        currency: 'USD',
        lines: [
          {
            id: 'l1',
            name: 'BANANAS',
            quantity: 1,
            unit: 'ea',
            unitPriceCents: 136,
            paidCents: 136,
            discountCents: 0,
            gtin: null,
          },
          {
            id: 'l2',
            name: 'CHEERIOS 18OZ',
            quantity: 1,
            unit: 'ea',
            unitPriceCents: 449,
            paidCents: 449,
            discountCents: 0,
            gtin: null,
          },
          // A new line: paid worked out from quantity × unit price.
          {
            name: 'Eggs 12ct',
            quantity: 2,
            unit: 'ea',
            unitPriceCents: 215,
            paidCents: 430,
            discountCents: 0,
            gtin: null,
          },
        ],
      },
    ]);
    // The saved draft's lines are checked now: no "Check" left.
    expect(screen.queryByText(/hard to read/)).toBeNull();
  });

  it('refuses an incomplete line before sending, and shows the API’s issues beside their fields', async () => {
    const person = userEvent.setup();
    const { sent } = renderApp(
      reviewPath,
      {
        'GET /stores': stores,
        [`GET /receipts/photo/${photoId}`]: () => json(200, photo({})),
        [`GET /receipts/photo/${photoId}/image`]: image,
        [`PUT /receipts/photo/${photoId}/draft`]: () =>
          validationFailed([{ path: 'lines.0.name', message: 'name is too long' }]),
      },
      'user',
    );
    await linesShown();
    await person.clear(within(lineGroup(1)).getByLabelText('Name'));
    await person.clear(within(lineGroup(1)).getByLabelText('Paid'));
    await person.type(within(lineGroup(1)).getByLabelText('Paid'), 'abc');
    await person.click(screen.getByRole('button', { name: 'Save draft' }));
    expect(within(lineGroup(1)).getByText('What was bought: the line’s name.')).toBeTruthy();
    expect(within(lineGroup(1)).getByText('An amount, such as 2.99.')).toBeTruthy();
    expect(within(lineGroup(1)).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(sent('PUT', `/receipts/photo/${photoId}/draft`)).toEqual([]);

    await person.type(within(lineGroup(1)).getByLabelText('Name'), 'x'.repeat(5));
    await person.clear(within(lineGroup(1)).getByLabelText('Paid'));
    // Enter in a field saves the draft; it never records the purchase.
    await person.type(within(lineGroup(1)).getByLabelText('Paid'), '1.36{Enter}');
    expect(await within(lineGroup(1)).findByText('name is too long')).toBeTruthy();
    expect(sent('POST', `/receipts/photo/${photoId}/confirm`)).toEqual([]);
    expect(screen.getByRole('alert').textContent).toMatch(/request validation failed.*Fix the field marked/);
    expect(sent('PUT', `/receipts/photo/${photoId}/draft`)).toHaveLength(1);
  });

  it('confirms the draft (keeping the photo) and opens the new purchase', async () => {
    const person = userEvent.setup();
    let current = photo({ draft: draft({ storeSlug: null, storeMatchedBy: null }) });
    const purchase = {
      id: purchaseId,
      storeSlug: 'kroger',
      locationId: null,
      purchasedAt: '2026-12-01T15:30:00.000Z',
      currency: 'USD',
      totalCents: 1534,
      savingsCents: 0,
      itemCount: 3,
      source: 'photo',
      retailerReceiptId: null,
      createdAt: '2026-12-07T10:01:00.000Z',
      parseConfidence: 0.9,
      unparsedLines: [],
      items: [
        {
          lineId: '01939f3e-0000-7000-8000-00000000c001',
          lineNo: 1,
          name: 'BANANAS CONFIRMED',
          gtin: null,
          brand: null,
          category: null,
          quantity: 1,
          unit: 'ea',
          unitPriceCents: 136,
          paidCents: 136,
          discountCents: 0,
          productId: null,
        },
      ],
    };
    const { sent, seen } = renderApp(
      reviewPath,
      {
        'GET /stores': stores,
        [`GET /receipts/photo/${photoId}`]: () => json(200, current),
        [`GET /receipts/photo/${photoId}/image`]: image,
        [`PUT /receipts/photo/${photoId}/draft`]: async (request) => {
          const body = (await request.json()) as { storeSlug: string };
          current = photo({ draft: draft({ storeSlug: body.storeSlug, storeMatchedBy: null }) });
          return json(200, current);
        },
        [`POST /receipts/photo/${photoId}/confirm`]: () => json(201, { created: true, purchase }),
        [`GET /purchases/${purchaseId}`]: () => json(200, purchase),
      },
      'user',
    );
    await linesShown();
    // No store was recognised: confirming asks for one first, and sends nothing.
    await person.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(screen.getByText('Choose the store this receipt is from.')).toBeTruthy();
    expect(seen.filter((r) => r.method !== 'GET')).toEqual([]);

    await person.selectOptions(screen.getByLabelText('Store'), 'kroger');
    await person.click(screen.getByLabelText('Keep the photo after the purchase is saved'));
    await person.click(screen.getByRole('button', { name: 'Confirm' }));

    expect(await screen.findByRole('heading', { name: 'Purchase' })).toBeTruthy();
    expect(await screen.findByText('BANANAS CONFIRMED')).toBeTruthy();
    expect(sent('POST', `/receipts/photo/${photoId}/confirm`)).toEqual([{ keepPhoto: true }]);
    expect(sent('PUT', `/receipts/photo/${photoId}/draft`)).toMatchObject([{ storeSlug: 'kroger' }]);
    const writes = seen.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    expect(writes).toEqual([
      `PUT /receipts/photo/${photoId}/draft`,
      `POST /receipts/photo/${photoId}/confirm`,
    ]);
  });

  it('says when no receipt was found, lets the lines be typed in, or deletes the photo', async () => {
    const person = userEvent.setup();
    const { seen } = renderApp(
      reviewPath,
      {
        'GET /stores': stores,
        [`GET /receipts/photo/${photoId}`]: () =>
          json(200, photo({ status: 'no_receipt', draft: draft({ lines: [], storeSlug: null }) })),
        [`GET /receipts/photo/${photoId}/image`]: image,
        [`DELETE /receipts/photo/${photoId}`]: () => new Response(null, { status: 204 }),
      },
      'user',
    );
    expect(
      await screen.findByText(/No receipt lines were found on this photo/, {}, { timeout: 4_000 }),
    ).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add a line' })).toBeTruthy();
    await person.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(screen.getByText('Add the receipt’s lines first.')).toBeTruthy();

    await person.click(screen.getByRole('button', { name: 'Delete and take another photo' }));
    await person.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('heading', { name: 'Import a receipt' })).toBeTruthy();
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/receipts/photo/${photoId}`,
    ]);
  });

  it('opens the earlier draft when the same photo is uploaded again, and says so', async () => {
    const person = userEvent.setup();
    renderApp(
      '/app/import',
      {
        'GET /stores': stores,
        'POST /receipts/photo': () => json(200, { id: photoId, status: 'ready', duplicate: true }),
        [`GET /receipts/photo/${photoId}`]: () => json(200, photo({})),
        [`GET /receipts/photo/${photoId}/image`]: image,
      },
      'user',
    );
    const section = await screen.findByRole('region', { name: 'Photo of a paper receipt' });
    await person.upload(
      within(section).getByLabelText('Receipt photo'),
      new File([jpegBytes], 'receipt.jpg', { type: 'image/jpeg' }),
    );
    await person.click(within(section).getByRole('button', { name: 'Upload photo' }));
    expect(await screen.findByText(/You uploaded this photo before/, {}, { timeout: 4_000 })).toBeTruthy();
    expect(await linesShown()).toBeTruthy();
  });

  it('says why a photo failed, without an editor', async () => {
    renderApp(
      reviewPath,
      {
        [`GET /receipts/photo/${photoId}`]: () =>
          json(
            200,
            photo({
              status: 'failed',
              error: 'the image could not be decoded',
              draft: null,
              hasImage: false,
            }),
          ),
      },
      'user',
    );
    expect((await screen.findByRole('alert', {}, { timeout: 4_000 })).textContent).toMatch(
      /could not read this photo \(the image could not be decoded\)/,
    );
    expect(screen.queryByRole('button', { name: 'Confirm' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete and take another photo' })).toBeTruthy();
  });

  it('shows another account’s or a deleted photo as not found', async () => {
    renderApp(
      reviewPath,
      {
        [`GET /receipts/photo/${photoId}`]: () => apiError(404, 'NOT_FOUND', 'photo receipt not found'),
      },
      'user',
    );
    expect((await screen.findByRole('alert', {}, { timeout: 4_000 })).textContent).toMatch(
      'photo receipt not found',
    );
  });

  it.each([
    [415, 'UNSUPPORTED_MEDIA_TYPE', /cannot read this file as a photo/],
    [422, 'UNPROCESSABLE', /cannot read this file as a photo/],
    [413, 'PAYLOAD_TOO_LARGE', /too large to upload/],
  ])('explains a refused upload (%i)', async (status, code, message) => {
    const person = userEvent.setup();
    renderApp(
      '/app/import',
      {
        'GET /stores': stores,
        'POST /receipts/photo': () => apiError(status, code, 'refused'),
      },
      'user',
    );
    const section = await screen.findByRole('region', { name: 'Photo of a paper receipt' });
    await person.click(within(section).getByRole('button', { name: 'Upload photo' }));
    expect(within(section).getByText('Take or choose a photo first.')).toBeTruthy();
    await person.upload(
      within(section).getByLabelText('Receipt photo'),
      new File([pngBytes], 'receipt.png', { type: 'image/png' }),
    );
    await person.click(within(section).getByRole('button', { name: 'Upload photo' }));
    expect((await within(section).findByRole('alert')).textContent).toMatch(message);
    expect(screen.getByRole('heading', { name: 'Import a receipt' })).toBeTruthy();
  });
});
