/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';

export class TokensPage {
  constructor(private readonly page: Page) {}

  readonly table = () => this.page.getByRole('table', { name: 'Tokens' });
  readonly row = (name: string) => this.table().getByRole('row').filter({ has: this.page.getByRole('rowheader', { name }) });
  readonly actionsButton = (name: string) => this.page.getByRole('button', { name: `Actions for token ${name}` });
  readonly issueButton = () => this.page.getByRole('button', { name: 'Issue token' });
  readonly dialog = () => this.page.getByRole('dialog');
  readonly secretField = () => this.dialog().getByRole('textbox', { name: 'Secret' });
  readonly notice = () => this.page.getByRole('status').filter({ hasText: /./ }).first();

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Tokens' }).click();
    await this.page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
    await this.table().waitFor();
  }

  async act(name: string, action: string): Promise<void> {
    await this.actionsButton(name).click();
    await this.page.getByRole('menuitem', { name: action }).click();
  }

  /** Presses Tab until `target` has the focus: the keyboard's way there, failing if it never gets there. */
  async tabTo(target: Locator, most = 80): Promise<void> {
    for (let pressed = 0; pressed < most; pressed++) {
      if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
      await this.page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${target.toString()}`);
  }
}
