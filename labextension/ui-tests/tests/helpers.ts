/**
 * Small helpers over a real JupyterLab page: notebooks are created through the
 * contents API, cells are run through the app's own commands (exposed by
 * `expose_app_in_browser`), and everything a user would click is clicked.
 */

import {
  Browser,
  BrowserContext,
  expect,
  Locator,
  Page
} from '@playwright/test';
import * as path from 'path';

export const BASE_URL = process.env.JUPYTER_URL ?? 'http://127.0.0.1:8888';
export const SCREENSHOTS =
  process.env.JUPYTER_GEMINI_SCREENSHOTS ??
  path.join(__dirname, '..', 'screenshots');

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: BASE_URL,
    viewport: { width: 1280, height: 800 }
  });
}

/** Write a notebook of code cells into the server's root directory. */
export async function createNotebook(
  context: BrowserContext,
  name: string,
  sources: string[]
): Promise<void> {
  const content = {
    cells: sources.map(source => ({
      cell_type: 'code',
      metadata: {},
      source,
      outputs: [],
      execution_count: null
    })),
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3 (ipykernel)',
        language: 'python'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  const response = await context.request.put(`/api/contents/${name}`, {
    data: { type: 'notebook', format: 'json', content }
  });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** Open (or switch to) a notebook and wait until its kernel is ready. */
export async function openNotebook(page: Page, name: string): Promise<void> {
  if (!page.url().includes('/lab')) {
    await page.goto(`/lab/tree/${name}`);
    await page.waitForFunction(
      () => (window as any).jupyterapp?.started,
      null,
      { timeout: 60_000 }
    );
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      await app.restored;
      app.shell.collapseLeft();
    });
  } else {
    await page.evaluate(
      path =>
        (window as any).jupyterapp.commands.execute('docmanager:open', {
          path
        }),
      name
    );
  }
  await page.waitForFunction(
    path =>
      (window as any).jupyterapp.shell.currentWidget?.context?.path === path,
    name,
    { timeout: 60_000 }
  );
  await page.evaluate(async () => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    await widget.context.ready;
    await widget.sessionContext.ready;
  });
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle', {
    timeout: 60_000
  });
}

export function notebook(page: Page): Locator {
  return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
}

export function cell(page: Page, index: number): Locator {
  return notebook(page).locator('.jp-Notebook .jp-Cell').nth(index);
}

/** Run one cell as "Run selected cell" does; with `wait`, until its execution finished. */
export async function runCell(
  page: Page,
  index: number,
  wait = true
): Promise<void> {
  await page.evaluate(
    async ({ index, wait }) => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      notebook.mode = 'command';
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      const done = app.commands.execute('notebook:run-cell');
      if (wait) {
        await done;
      }
    },
    { index, wait }
  );
}

export async function cellSources(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    return notebook.widgets.map((c: any) => c.model.sharedModel.getSource());
  });
}

export async function appendCell(page: Page, source: string): Promise<number> {
  return page.evaluate(source => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    const index = notebook.widgets.length;
    notebook.model.sharedModel.insertCell(index, { cell_type: 'code', source });
    return index;
  }, source);
}

export async function scrollToCell(page: Page, index: number): Promise<void> {
  await page.evaluate(async index => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    await notebook.scrollToItem(index, 'start');
  }, index);
}

/** Scroll the notebook so `locator`'s bottom edge is in view. */
export async function scrollIntoView(
  locator: Locator,
  block: 'start' | 'end' | 'center' = 'end'
): Promise<void> {
  await locator.evaluate(
    (node, block) => node.scrollIntoView({ block }),
    block
  );
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0); // no stray hover effects
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** `$0.0001035` amounts in a text, in order. */
export function dollars(text: string): string[] {
  return Array.from(text.matchAll(/≈?\$\d+(?:\.\d+)?/g), m => m[0]);
}
