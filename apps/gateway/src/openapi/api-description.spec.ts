import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiDescription } from './api-docs.controller';

describe('ApiDescription', () => {
  it('builds the document when first asked for, once', () => {
    const description = new ApiDescription();
    const build = jest.fn((): OpenAPIObject => ({ openapi: '3.1.0', info: { title: 'Warden', version: '1' }, paths: {} }));
    description.publish(build);
    expect(build).not.toHaveBeenCalled();
    const first = description.get();
    expect(description.get()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('refuses to answer before the routes are published', () => {
    expect(() => new ApiDescription().get()).toThrow('not been published');
  });
});
