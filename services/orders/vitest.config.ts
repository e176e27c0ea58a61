import { defineServiceTestConfig } from '@cartwatch/testing/vitest';

export default defineServiceTestConfig();
