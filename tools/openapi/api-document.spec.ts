import { readFileSync } from 'node:fs';
import { API_DOCUMENT_FILE, API_TYPES_FILE, renderApiDocument, renderApiTypes } from './api-document';

// `npm run generate:api` rewrites both files; these fail when the code and the files part.
describe('the typed client of libs/api-client', () => {
  it('is generated from the API description the gateway builds', async () => {
    expect(await renderApiDocument()).toBe(readFileSync(API_DOCUMENT_FILE, 'utf8'));
  }, 60_000);

  it('has the types openapi-typescript makes of that description', async () => {
    expect(await renderApiTypes()).toBe(readFileSync(API_TYPES_FILE, 'utf8'));
  }, 60_000);
});
