/** The web app builds from the API contract, never from a service's code (docs/architecture.md#the-web-client). */
import { serviceNames } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import manifest from '../package.json';

const workspaceDependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
  (name) => name.startsWith('@cartwatch/'),
);

describe('the web package', () => {
  it('depends on the API contract and common-types, and on no service', () => {
    expect(workspaceDependencies.sort()).toEqual(['@cartwatch/api-contract', '@cartwatch/common-types']);
    for (const service of serviceNames) expect(workspaceDependencies).not.toContain(`@cartwatch/${service}`);
  });
});
