/** The settings screen over a fake gateway: re-authentication, e-mail change by code, field errors, deletion. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, json, renderApp, user as shopper, validationFailed } from './fake-gateway';

const inbound = () => json(200, { address: 'r-abc123@in.cartwatch.test' });
const reauthRequired = () =>
  json(403, {
    error: {
      code: 'FORBIDDEN',
      message: 'confirm it is you first: POST /auth/reauthenticate with your password or a code',
      details: { reauthenticate: true, maxAgeSeconds: 600 },
      requestId: 'r',
    },
  });
const section = (name: string) => screen.getByRole('region', { name });

describe('settings screen', () => {
  it('asks for the password when the gateway wants it, then repeats the change', async () => {
    const user = userEvent.setup();
    let reauthenticated = false;
    const { sent } = renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'PATCH /auth/me': async (request) => {
          if (!reauthenticated) return reauthRequired();
          return json(200, { ...shopper, ...((await request.json()) as object) });
        },
        'POST /auth/reauthenticate': async (request) => {
          const { password } = (await request.json()) as { password: string };
          if (password !== 'correct horse battery')
            return json(422, {
              error: { code: 'UNPROCESSABLE', message: 'password or code is wrong', requestId: 'r' },
            });
          reauthenticated = true;
          return new Response(null, { status: 204 });
        },
      },
      'user',
    );
    const secondFactor = await screen.findByRole('region', { name: 'Second factor' });
    // No verified phone: SMS codes cannot be chosen.
    expect((within(secondFactor).getByRole('radio', { name: /by SMS/ }) as HTMLInputElement).disabled).toBe(
      true,
    );
    await user.click(within(secondFactor).getByRole('radio', { name: /^None/ }));
    await user.click(within(secondFactor).getByRole('button', { name: 'Save second factor' }));
    const prompt = await within(secondFactor).findByRole('form', { name: 'Confirm it is you' });
    await user.type(within(prompt).getByLabelText('Current password'), 'wrong password');
    await user.click(within(prompt).getByRole('button', { name: 'Confirm and save' }));
    expect(await within(prompt).findByText('password or code is wrong')).toBeTruthy();
    await user.clear(within(prompt).getByLabelText('Current password'));
    await user.type(within(prompt).getByLabelText('Current password'), 'correct horse battery');
    await user.click(within(prompt).getByRole('button', { name: 'Confirm and save' }));
    expect(await within(section('Second factor')).findByText('Saved.')).toBeTruthy();
    expect(sent('PATCH', '/auth/me')).toEqual([{ secondFactor: null }, { secondFactor: null }]);
    expect(sent('POST', '/auth/reauthenticate')).toEqual([
      { password: 'wrong password' },
      { password: 'correct horse battery' },
    ]);
  });

  it('changes the e-mail only after the code sent to the new address', async () => {
    const user = userEvent.setup();
    const { sent, services } = renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'POST /auth/email': async (request) => {
          const { email } = (await request.json()) as { email: string };
          if (email.endsWith('.invalid'))
            return validationFailed([{ path: 'email', message: 'Invalid email address' }]);
          return json(202, { accepted: true });
        },
        'POST /auth/email/verify': () => json(200, { ...shopper, email: 'ada@new.example' }),
      },
      'user',
    );
    const email = await screen.findByRole('region', { name: 'E-mail' });
    expect(within(email).getByText('ada@example.com')).toBeTruthy();
    const field = within(email).getByLabelText('New e-mail');
    await user.type(field, 'ada@example.invalid');
    await user.click(within(email).getByRole('button', { name: 'Send code' }));
    expect(await within(email).findByText('Invalid email address', { selector: 'small' })).toBeTruthy();
    await user.clear(field);
    await user.type(field, 'ada@new.example');
    await user.click(within(email).getByRole('button', { name: 'Send code' }));
    expect(await within(email).findByText(/We sent a code to ada@new.example/)).toBeTruthy();
    await user.type(within(email).getByLabelText('Code'), '123456');
    await user.click(within(email).getByRole('button', { name: 'Confirm' }));
    expect(await within(email).findByText('E-mail changed.')).toBeTruthy();
    expect(within(email).getByText('ada@new.example')).toBeTruthy();
    const state = services.session.getState();
    expect(state.status === 'signed-in' && state.user.email).toBe('ada@new.example');
    expect(sent('POST', '/auth/email/verify')).toEqual([{ code: '123456' }]);
  });

  it('deletes the account only once confirmed, and says when the password is wrong', async () => {
    const user = userEvent.setup();
    let deletes = 0;
    const { sent, services } = renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'DELETE /auth/me': () => {
          deletes += 1;
          if (deletes === 1) return apiError(422, 'UNPROCESSABLE', 'password is wrong');
          return new Response(null, { status: 204 });
        },
      },
      'user',
    );
    expect(await screen.findByTestId('inbound-address')).toHaveProperty(
      'textContent',
      'r-abc123@in.cartwatch.test',
    );
    const danger = section('Delete account');
    const button = within(danger).getByRole('button', { name: 'Delete my account' }) as HTMLButtonElement;
    await user.type(within(danger).getByLabelText('Password'), 'not mine');
    expect(button.disabled).toBe(true);
    await user.click(within(danger).getByRole('checkbox'));
    await user.click(button);
    expect(await within(danger).findByRole('alert')).toHaveProperty('textContent', 'password is wrong');
    await user.clear(within(danger).getByLabelText('Password'));
    await user.type(within(danger).getByLabelText('Password'), 'my password');
    await user.click(button);
    expect(await screen.findByRole('heading', { level: 1 })).toBeTruthy();
    expect(services.session.getState().status).toBe('signed-out');
    expect(sent('DELETE', '/auth/me')).toEqual([{ password: 'not mine' }, { password: 'my password' }]);
  });

  it('gives a new inbound address only once confirmed, and shows it', async () => {
    const user = userEvent.setup();
    let address = 'receipts+aaaaaaaaaaaaaaaaaaaaaaaa@in.cartwatch.test';
    const { seen } = renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': () => json(200, { address }),
        'POST /me/inbound-address/rotate': () => {
          address = 'receipts+bbbbbbbbbbbbbbbbbbbbbbbb@in.cartwatch.test';
          return json(200, { address });
        },
      },
      'user',
    );
    const inboundSection = section('Receipts by e-mail');
    expect(await within(inboundSection).findByTestId('inbound-address')).toHaveProperty(
      'textContent',
      'receipts+aaaaaaaaaaaaaaaaaaaaaaaa@in.cartwatch.test',
    );
    await user.click(within(inboundSection).getByRole('button', { name: 'New address' }));
    await user.click(within(inboundSection).getByRole('button', { name: 'Keep this one' }));
    expect(seen.filter((request) => request.method === 'POST')).toEqual([]);
    await user.click(within(inboundSection).getByRole('button', { name: 'New address' }));
    expect(within(inboundSection).getByRole('group', { name: 'Confirm new address' }).textContent).toContain(
      'Mail sent to the current address will be refused',
    );
    await user.click(within(inboundSection).getByRole('button', { name: 'Yes, new address' }));
    await vi.waitFor(() =>
      expect(within(inboundSection).getByTestId('inbound-address').textContent).toBe(
        'receipts+bbbbbbbbbbbbbbbbbbbbbbbb@in.cartwatch.test',
      ),
    );
    expect(within(inboundSection).getByRole('status').textContent).toContain('New address ready.');
    expect(seen.filter((request) => request.method === 'POST').map((request) => request.path)).toEqual([
      '/me/inbound-address/rotate',
    ]);
  });
});
