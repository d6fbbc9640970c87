import type { Page } from 'playwright-core';

export class SignInPage {
  constructor(private readonly page: Page) {}

  readonly heading = () => this.page.getByRole('heading', { name: 'Sign in to Warden' });
  readonly alert = () => this.page.getByRole('alert');

  async open(): Promise<void> {
    await this.page.goto('/console');
    await this.heading().waitFor();
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }
}
