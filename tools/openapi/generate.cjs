// Writes what the API description is generated from: npm run generate:api
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { SWAGGER_METADATA_FILE, renderSwaggerMetadata } = require('./swagger-metadata');

writeFileSync(SWAGGER_METADATA_FILE, renderSwaggerMetadata());
console.log(`wrote ${path.relative(path.resolve(__dirname, '../..'), SWAGGER_METADATA_FILE)}`);
