import type { Page } from 'playwright-core';

export class MembersPage {
  constructor(private readonly page: Page) {}

  readonly table = () => this.page.getByRole('table', { name: 'Members' });
  readonly row = (name: string) => this.table().getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) });
  readonly actionsButton = (name: string) => this.page.getByRole('button', { name: `Actions for ${name}` });
  readonly addButton = () => this.page.getByRole('button', { name: 'Add service account' });
  readonly dialog = () => this.page.getByRole('dialog');

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Members' }).click();
    await this.page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await this.table().waitFor();
  }

  async act(name: string, action: string): Promise<void> {
    await this.actionsButton(name).click();
    await this.page.getByRole('menuitem', { name: action }).click();
  }

  async addServiceAccount(account: { username: string; firstName: string; lastName: string; firstToken: boolean }): Promise<void> {
    await this.addButton().click();
    const dialog = this.dialog();
    await dialog.getByLabel('Username').fill(account.username);
    await dialog.getByLabel('First name').fill(account.firstName);
    await dialog.getByLabel('Last name').fill(account.lastName);
    await dialog.getByRole('checkbox', { name: /Issue its first API token/ }).setChecked(account.firstToken);
    await dialog.getByRole('button', { name: 'Create service account' }).click();
  }
}
