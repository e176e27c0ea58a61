import { defineServiceTestConfig } from '@cartwatch/testing/vitest';

// The outage and 10,000-event tests wait on real servers; give them room (they are bounded by waitFor).
export default defineServiceTestConfig({ test: { testTimeout: 120_000 } });
