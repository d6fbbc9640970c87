// Writes everything generated from the code that serves the API: npm run generate:api
//   1. what @nestjs/swagger's plugin reads from the classes (the gateway loads it to describe itself),
//   2. the API description itself (libs/api-client/openapi.json),
//   3. the typed client's types, generated from that description.
const { writeFileSync } = require('node:fs');
const path = require('node:path');

(async () => {
  const { SWAGGER_METADATA_FILE, renderSwaggerMetadata } = require('./swagger-metadata');
  writeFileSync(SWAGGER_METADATA_FILE, renderSwaggerMetadata());
  // loaded after the metadata is written: the gateway's description reads it
  const { API_DOCUMENT_FILE, API_TYPES_FILE, renderApiDocument, renderApiTypes } = require('./api-document');
  const document = await renderApiDocument();
  writeFileSync(API_DOCUMENT_FILE, document);
  writeFileSync(API_TYPES_FILE, await renderApiTypes());
  const root = path.resolve(__dirname, '../..');
  for (const file of [SWAGGER_METADATA_FILE, API_DOCUMENT_FILE, API_TYPES_FILE]) console.log(`wrote ${path.relative(root, file)}`);
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
