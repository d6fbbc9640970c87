/** @jest-environment jsdom */
import { act, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { OnceShownSecret } from './once-shown-secret';

const SECRET = 'wdn_p_0123456789abcdefghijklmnopqrstuvwxyzAB';

// As the tokens screen holds it: the secret in state for the dialog alone, dropped on close.
function Holder() {
  const [secret, setSecret] = useState<string | null>(SECRET);
  return secret === null ? <p>closed</p> : <OnceShownSecret title="Token issued" secret={secret} onClose={() => setSecret(null)} />;
}

// jsdom has no CSS object; React Aria asks it whether a selector is supported.
beforeAll(() => {
  globalThis.CSS ??= { supports: () => false, escape: (value: string) => value } as unknown as typeof CSS;
});

describe('the once-shown secret', () => {
  const writeText = jest.fn<Promise<void>, [string]>();
  beforeEach(() => {
    writeText.mockReset();
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  });

  it('shows the secret with a warning, and copies it', async () => {
    writeText.mockResolvedValue(undefined);
    render(<Holder />);
    expect(screen.getByRole('dialog', { name: 'Token issued' })).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Secret' }) as HTMLInputElement).value).toBe(SECRET);
    expect(screen.getByText(/It is shown this once/)).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy secret' })));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(screen.getByRole('status').textContent).toBe('Copied to the clipboard');
  });

  it('says so when the browser refuses the clipboard', async () => {
    writeText.mockRejectedValue(new Error('denied'));
    render(<Holder />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy secret' })));
    expect(screen.getByRole('status').textContent).toContain('select the secret and copy it');
  });

  it('leaves no trace of the secret in the page once closed', async () => {
    render(<Holder />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'I have stored it' })));
    expect(screen.getByText('closed')).toBeTruthy();
    expect(document.documentElement.outerHTML).not.toContain(SECRET);
    expect([...document.querySelectorAll('input')].map((input) => input.value)).not.toContain(SECRET);
  });
});
