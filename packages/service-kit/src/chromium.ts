/**
 * Launch flags for Debian's headless Chromium (through playwright-core) in a container or CI machine
 * without a GPU, sandbox user namespaces or outbound calls of Chromium's own (background networking,
 * component updates, sync), which a closed network refuses many at a time.
 */
export const headlessChromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
