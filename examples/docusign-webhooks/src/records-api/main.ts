import 'reflect-metadata';
import { recordsApiConfig, createRecordsApi } from './records-api';

async function main(): Promise<void> {
  const config = recordsApiConfig(process.env);
  const app = await createRecordsApi(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  console.log(`records API listening on http://${config.host}:${config.port}/records/envelopes`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
