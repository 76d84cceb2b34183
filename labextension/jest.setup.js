// jsdom has no Clipboard API; JupyterLab's clipboard module warns at import without one.
Object.defineProperty(globalThis.navigator, 'clipboard', {
  configurable: true,
  value: {
    read: async () => [],
    readText: async () => '',
    write: async () => undefined,
    writeText: async () => undefined
  }
});
