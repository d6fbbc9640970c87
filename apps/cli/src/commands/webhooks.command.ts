import type { WardenSchema } from '@warden/api-client';
import { Command } from 'commander';
import { type Cell, renderFields, renderTable } from '../output';
import type { ContextOf } from './login.command';
import { answersWith, printDeleted, withApi } from './with-api';

type SubscriptionView = WardenSchema<'WebhookSubscriptionView'>;

function subscriptionFields(subscription: SubscriptionView): [string, Cell][] {
  return [
    ['id', subscription.id],
    ['url', subscription.url],
    ['events', subscription.event_types],
    ['enabled', subscription.enabled],
    ['disabled reason', subscription.disabled_reason],
    ['description', subscription.description],
    ['created', subscription.created_at],
  ];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerWebhooksCommands(program: Command, contextOf: ContextOf): void {
  const webhooks = program.command('webhooks').description("your organization's webhook subscriptions and their deliveries");

  webhooks
    .command('list')
    .description('every subscription, never a secret')
    .action(
      withApi(contextOf, async ({ context, api }) => {
        const { results } = await api.answer(api.client.GET('/api/v1/webhooks'));
        context.print(
          () => renderTable(['ID', 'URL', 'EVENTS', 'ENABLED'], results.map((s) => [s.id, s.url, s.event_types.join(','), s.enabled])),
          results,
        );
      }),
    );

  webhooks
    .command('show')
    .description('one subscription')
    .argument('<id>', 'the subscription id')
    .action(
      answersWith(contextOf, subscriptionFields, (api, id: string) => api.answer(api.client.GET('/api/v1/webhooks/{id}', { params: { path: { id } } }))),
    );

  // The signing secret is printed once, in the answer to create and rotate-secret.
  webhooks
    .command('create')
    .description('subscribe a URL; prints the signing secret once')
    .argument('<url>', 'where deliveries are POSTed')
    .requiredOption('--event <type>', 'a webhook event type (repeat for more), e.g. token.revoked', collect)
    .option('--description <text>', 'what it is for')
    .action(
      withApi<[string], { event: string[]; description?: string }>(contextOf, async ({ context, api }, url, options) => {
        const made = await api.answer(api.client.POST('/api/v1/webhooks', { body: { url, event_types: options.event, description: options.description } }));
        context.print(() => `${renderFields(subscriptionFields(made))}secret ${made.secret}\n`, made);
      }),
    );

  webhooks
    .command('rotate-secret')
    .description('a new signing secret, printed once')
    .argument('<id>', 'the subscription id')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        const rotated = await api.answer(api.client.POST('/api/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } }));
        context.print(() => `${renderFields(subscriptionFields(rotated))}secret ${rotated.secret}\n`, rotated);
      }),
    );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhooks
      .command(name)
      .description(`${name} a subscription`)
      .argument('<id>', 'the subscription id')
      .action(
        answersWith(contextOf, subscriptionFields, (api, id: string) =>
          api.answer(api.client.PATCH('/api/v1/webhooks/{id}', { params: { path: { id } }, body: { enabled } })),
        ),
      );
  }

  webhooks
    .command('deliveries')
    .description("a subscription's delivery log, newest first")
    .argument('<id>', 'the subscription id')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        const { results } = await api.answer(api.client.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id } } }));
        context.print(
          () =>
            renderTable(
              ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'CODE', 'MS'],
              results.map((d) => [d.id, d.event_type, d.status, d.attempts, d.response_code, d.latency_ms]),
            ),
          results,
        );
      }),
    );

  webhooks
    .command('redeliver')
    .description('send one delivery again, under the same webhook-id')
    .argument('<id>', 'the subscription id')
    .argument('<delivery-id>', 'the delivery (its webhook-id)')
    .action(
      withApi<[string, string]>(contextOf, async ({ context, api }, id, deliveryId) => {
        const delivery = await api.answer(
          api.client.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId } } }),
        );
        context.print(() => `redelivering ${delivery.id} (${delivery.event_type})\n`, delivery);
      }),
    );

  webhooks
    .command('delete')
    .description('delete a subscription')
    .argument('<id>', 'the subscription id')
    .action(
      withApi<[string]>(contextOf, async ({ context, api }, id) => {
        await api.answer(api.client.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
        printDeleted(context, 'webhook subscription', id);
      }),
    );
}
