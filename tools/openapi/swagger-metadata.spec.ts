import { readFileSync } from 'node:fs';
import { SWAGGER_METADATA_FILE, renderSwaggerMetadata } from './swagger-metadata';

describe('the metadata the API description is read from', () => {
  it('is what the code implies (npm run generate:api writes it)', () => {
    expect(renderSwaggerMetadata()).toBe(readFileSync(SWAGGER_METADATA_FILE, 'utf8'));
  }, 60_000);
});
