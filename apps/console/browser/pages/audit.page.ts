import type { Page } from 'playwright-core';

export class AuditPage {
  constructor(private readonly page: Page) {}

  readonly timeline = () => this.page.getByRole('list', { name: 'Audit timeline' });
  readonly entries = (eventType?: string) => this.timeline().getByRole('button', eventType ? { name: new RegExp(`^${eventType}`) } : undefined);
  readonly filters = () => this.page.getByRole('form', { name: 'Filter the audit log' });

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Audit' }).click();
    await this.page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
  }

  async filterByEventType(eventType: string): Promise<void> {
    await this.filters().getByLabel('Event type').fill(eventType);
    await this.filters().getByRole('button', { name: 'Apply filters' }).click();
  }
}
