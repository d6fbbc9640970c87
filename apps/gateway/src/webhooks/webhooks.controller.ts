import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  CreateWebhookSubscriptionBody,
  ListWebhookDeliveriesQuery,
  UpdateWebhookSubscriptionBody,
  WebhookDeliveriesPage,
  WebhookDeliveryView,
  WebhookSubscriptionView,
  WebhookSubscriptionWithSecretView,
  WebhookSubscriptionsPage,
  WebhooksRequestSubjects,
} from '@warden/contracts';
import { ApiTags } from '@nestjs/swagger';
import { ServiceClient } from '@warden/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/principal-of-request';

const DEFAULT_PAGE_SIZE = 50;

// The webhooks service decides who may do what (webhooks:read, webhooks:write) within the caller's organization.
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(@Inject(ServiceClient) private readonly services: ServiceClient) {}

  /**
   * Subscribe to webhooks
   *
   * @remarks In the caller's organization. The signing secret is in this answer once (`secret`).
   * A URL whose host resolves to a private, loopback or link-local address is refused.
   */
  @Post()
  @HttpCode(201)
  create(
    @Body() body: CreateWebhookSubscriptionBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookSubscriptionWithSecretView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(WebhooksRequestSubjects.createSubscription, { context: contextOf(request), payload: body });
  }

  /**
   * List webhook subscriptions
   *
   * @remarks The caller's organization's, never their secrets.
   */
  @Get()
  list(@Req() request: FastifyRequest): Promise<WebhookSubscriptionsPage> {
    return this.services.send(WebhooksRequestSubjects.listSubscriptions, { context: contextOf(request), payload: {} });
  }

  /**
   * Read a webhook subscription
   *
   * @remarks Another organization's subscription is not found.
   */
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<WebhookSubscriptionView> {
    return this.services.send(WebhooksRequestSubjects.getSubscription, { context: contextOf(request), payload: { subscription_id: id } });
  }

  /**
   * Change a webhook subscription
   *
   * @remarks Its URL, event types, description, or whether it is enabled.
   */
  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: UpdateWebhookSubscriptionBody, @Req() request: FastifyRequest): Promise<WebhookSubscriptionView> {
    return this.services.send(WebhooksRequestSubjects.updateSubscription, { context: contextOf(request), payload: { ...body, subscription_id: id } });
  }

  /**
   * Delete a webhook subscription
   *
   * @remarks Nothing more is sent to it.
   */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', new ParseUUIDPipe()) id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.services.send(WebhooksRequestSubjects.deleteSubscription, { context: contextOf(request), payload: { subscription_id: id } });
  }

  /**
   * Rotate a webhook subscription's signing secret
   *
   * @remarks A new secret, in this answer once; deliveries are signed with it from now on.
   */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookSubscriptionWithSecretView> {
    void reply.header('cache-control', 'no-store');
    return this.services.send(WebhooksRequestSubjects.rotateSecret, { context: contextOf(request), payload: { subscription_id: id } });
  }

  /**
   * A webhook subscription's delivery log
   *
   * @remarks Newest first: status, attempts, the last response code and latency. Follow `next_cursor`.
   */
  @Get(':id/deliveries')
  deliveries(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: ListWebhookDeliveriesQuery, @Req() request: FastifyRequest): Promise<WebhookDeliveriesPage> {
    return this.services.send(WebhooksRequestSubjects.listDeliveries, {
      context: contextOf(request),
      payload: { subscription_id: id, limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor, status: query.status },
    });
  }

  /**
   * Redeliver one webhook delivery
   *
   * @remarks Sends it again under the same `webhook-id`, with a new retry window.
   */
  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  redeliver(@Param('id', new ParseUUIDPipe()) id: string, @Param('deliveryId') deliveryId: string, @Req() request: FastifyRequest): Promise<WebhookDeliveryView> {
    return this.services.send(WebhooksRequestSubjects.redeliver, { context: contextOf(request), payload: { subscription_id: id, delivery_id: deliveryId } });
  }
}
