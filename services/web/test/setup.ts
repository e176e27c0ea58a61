/** Component tests: jest-dom-free assertions, a clean DOM after every test. */
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());
