import { defineServiceTestConfig } from './src/vitest-config.js';

export default defineServiceTestConfig();
