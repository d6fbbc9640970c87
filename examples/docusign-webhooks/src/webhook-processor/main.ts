import 'reflect-metadata';
import { createWebhookProcessor, webhookProcessorConfig } from './webhook-processor';

async function main(): Promise<void> {
  const config = webhookProcessorConfig(process.env);
  const app = await createWebhookProcessor(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  console.log(`webhook processor listening on http://${config.host}:${config.port}/docusign/connect`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
