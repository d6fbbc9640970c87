/** @jest-environment jsdom */
import { act, fireEvent, render, screen } from '@testing-library/react';
import { type FormEvent, useState } from 'react';
import { ProblemError } from '../api/warden-api';
import type { FieldErrors } from '../forms/body-validation';
import { ConfirmDialog, FormDialog } from './dialog';
import { RadioGroup, SelectField, TextField } from './field';
import { usePaging } from './pager';
import { PagedTable } from './table';
import { useFields, useFormAction } from './use-form-action';

// jsdom has no CSS object; React Aria asks it whether a selector is supported.
beforeAll(() => {
  globalThis.CSS ??= { supports: () => false, escape: (value: string) => value } as unknown as typeof CSS;
});

const refusal = new ProblemError(
  { status: 409, code: 'team_name_taken', title: 'Conflict', detail: 'A team of that name exists', errors: [{ field: 'name', message: 'Taken' }] },
  null,
);

type Loaded = Parameters<typeof PagedTable<string>>[0]['loaded'];

function Teams({ loaded }: { loaded: Loaded }) {
  const paging = usePaging();
  return (
    <>
      <output aria-label="Asked for">
        page {paging.page} of {paging.pageSize}
      </output>
      <PagedTable label="Teams" columns={['Team']} loaded={loaded} empty="No team yet." pager={paging.pager}>
        {(team) => (
          <tr key={team}>
            <th scope="row">{team}</th>
            <td />
          </tr>
        )}
      </PagedTable>
    </>
  );
}

describe('a paged table', () => {
  const pagination = { page: 1, page_size: 25, total: 60, total_pages: 3, next: 'next' } as unknown as NonNullable<Loaded['data']>['pagination'];

  it('shows its rows with a header for the actions, and pages on', () => {
    render(<Teams loaded={{ data: { results: ['Platform', 'Billing'], pagination }, loading: false }} />);
    const table = screen.getByRole('table', { name: 'Teams' });
    expect(table.getAttribute('aria-busy')).toBe('false');
    expect(screen.getAllByRole('rowheader').map((cell) => cell.textContent)).toEqual(['Platform', 'Billing']);
    expect(screen.getAllByRole('columnheader').map((cell) => cell.textContent)).toEqual(['Team', 'Actions']);
    expect(screen.queryByText('No team yet.')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(screen.getByRole('status', { name: 'Asked for' }).textContent).toBe('page 2 of 25');
  });

  it('starts again at the first page when the page size changes', () => {
    render(<Teams loaded={{ data: { results: ['Platform'], pagination }, loading: false }} />);
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'Per page' }), { target: { value: '50' } });
    expect(screen.getByRole('status', { name: 'Asked for' }).textContent).toBe('page 1 of 50');
  });

  it('says it is busy while a page loads, and shows a refusal', () => {
    render(<Teams loaded={{ loading: true, error: refusal }} />);
    expect(screen.getByRole('table', { name: 'Teams' }).getAttribute('aria-busy')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('A team of that name exists (team_name_taken)');
  });

  it('says so when a page has no row', () => {
    render(<Teams loaded={{ data: { results: [], pagination: { ...pagination, total: 0, total_pages: 0, next: null } }, loading: false }} />);
    expect(screen.getByText('No team yet.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next page' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

function NameForm({ check, call }: { check: (name: string) => FieldErrors; call: (name: string) => Promise<void> }) {
  const { form, bind } = useFields({ name: '' });
  const sending = useFormAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    sending.send(check(form.name), () => call(form.name));
  };
  return (
    <FormDialog title="Create team" submit="Create team" onSubmit={submit} onClose={() => undefined} busy={sending.busy} error={sending.error}>
      <TextField label="Team name" {...bind('name', sending.errors)} />
    </FormDialog>
  );
}

describe('a form dialog', () => {
  it("sends nothing while the form's own checks find fault, and shows it at the field", async () => {
    const call = jest.fn(async () => undefined);
    render(<NameForm check={(name): FieldErrors => (name === '' ? { name: 'Required' } : {})} call={call} />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create team' })));
    expect(call).not.toHaveBeenCalled();
    const field = screen.getByRole('textbox', { name: 'Team name' });
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Required');
  });

  it("sends what passes, and shows the API's refusal with its field errors at their fields", async () => {
    const call = jest.fn(async () => Promise.reject(refusal));
    render(<NameForm check={() => ({})} call={call} />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Team name' }), { target: { value: 'Platform' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Create team' })));
    expect(call).toHaveBeenCalledWith('Platform');
    expect(screen.getByRole('alert').textContent).toBe('A team of that name exists (team_name_taken)');
    const field = screen.getByRole('textbox', { name: 'Team name' });
    expect(document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Taken');
  });
});

describe('a confirm dialog', () => {
  it('shows the refusal under the question, then its remedy', () => {
    render(
      <ConfirmDialog
        title="Delete Alice?"
        confirm="Delete"
        error={refusal}
        remedy={<button type="button">Reassign its tokens</button>}
        onConfirm={() => undefined}
        onClose={() => undefined}
      >
        <p>The account is removed.</p>
      </ConfirmDialog>,
    );
    const dialog = screen.getByRole('dialog', { name: 'Delete Alice?' });
    const order = [...dialog.querySelectorAll('p, [role="alert"], button')].map((element) => element.textContent);
    expect(order).toEqual(['The account is removed.', 'A team of that name exists (team_name_taken)', 'Reassign its tokens', 'Cancel', 'Delete']);
  });
});

describe('a select with choices', () => {
  it('offers the empty choice first, then the choices, then its own options', () => {
    render(
      <SelectField label="Status" none="Any status" choices={[{ value: 'active', label: 'Active' }]}>
        <option value="revoked">Revoked</option>
      </SelectField>,
    );
    const options = [...screen.getByRole('combobox', { name: 'Status' }).querySelectorAll('option')];
    expect(options.map((option) => [option.value, option.textContent])).toEqual([
      ['', 'Any status'],
      ['active', 'Active'],
      ['revoked', 'Revoked'],
    ]);
  });
});

function Delivery() {
  const [delivery, setDelivery] = useState<'email' | 'post'>('email');
  return (
    <>
      <RadioGroup
        legend="Delivery"
        name="delivery"
        value={delivery}
        onChange={setDelivery}
        options={[
          { value: 'email', label: 'By email' },
          { value: 'post', label: 'By post' },
        ]}
      />
      <output aria-label="Chosen">{delivery}</output>
    </>
  );
}

describe('a radio group', () => {
  it('names the group, checks the chosen one, and changes it', () => {
    render(<Delivery />);
    expect(screen.getByRole('group', { name: 'Delivery' })).toBeTruthy();
    expect((screen.getByRole('radio', { name: 'By email' }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'By post' }));
    expect((screen.getByRole('radio', { name: 'By post' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByRole('status', { name: 'Chosen' }).textContent).toBe('post');
  });
});
