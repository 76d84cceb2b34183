/**
 * jupyter-gemini in a real JupyterLab, one notebook, step by step, as a user
 * would go: each step leaves a screenshot in ui-tests/screenshots/.
 *
 * The kernel talks to the local OpenRouter emulator (run-ui-tests.sh points
 * OPENROUTER_BASE_URL at it), so answers are canned, free and deterministic.
 */

import { BrowserContext, expect, Page, test } from '@playwright/test';

import {
  appendCell,
  cell,
  cellSources,
  createNotebook,
  dollars,
  newContext,
  notebook,
  openNotebook,
  runCell,
  scrollIntoView,
  scrollToCell,
  shot
} from './helpers';

const DEMO = 'gemini-demo.ipynb';
const OTHER = 'no-gemini.ipynb';

const CELLS = [
  '%load_ext jupyter_gemini',
  '%%gemini\n[[emulator: tokens=160 tps=40]] In two sentences, what is a **pandas DataFrame**?',
  '%gemini cost',
  '%%gemini -f code\nWrite a function that returns the mean of a list of numbers.',
  '%matplotlib inline\nimport matplotlib.pyplot as plt\n\nplt.figure(figsize=(5, 3))\nplt.plot([3, 1, 4, 1, 5, 9, 2, 6], marker="o")\nplt.title("Weekly sign-ups")\nplt.show()'
];

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await newContext(browser);
  await createNotebook(context, DEMO, CELLS);
  await createNotebook(context, OTHER, ['1 + 1']);
  page = await context.newPage();
  page.on('pageerror', error => console.log(`page error: ${error.message}`));
  page.on('console', message => {
    if (
      message.type() === 'error' ||
      message.text().includes('jupyter-gemini')
    ) {
      console.log(`browser ${message.type()}: ${message.text()}`);
    }
  });
  await openNotebook(page, DEMO);
});

test.afterAll(async () => {
  await context?.close();
});

const status = () => page.locator('#jp-main-statusbar .jp-GeminiStatus');

test('highlights the body of a %%gemini cell as Markdown', async () => {
  await runCell(page, 0);
  const editor = cell(page, 1).locator('.cm-content');
  await expect(editor.locator('.jp-GeminiMagic')).toHaveText('%%gemini');
  // **pandas DataFrame** is bold: Markdown's strong emphasis, which Python highlighting never produces.
  const bold = await editor.evaluate(node =>
    Array.from(node.querySelectorAll('span'))
      .filter(span => span.textContent?.includes('DataFrame'))
      .some(span => Number(getComputedStyle(span).fontWeight) >= 700)
  );
  expect(bold).toBe(true);
  await cell(page, 1).click();
  await shot(page, '01-markdown-highlighting');
});

test('streams the answer into a card that ends with the exact cost', async () => {
  await runCell(page, 1, false);
  const card = cell(page, 1).locator('.jp-GeminiCard');
  await expect(card).toHaveAttribute('data-status', 'streaming');
  const body = card.locator('.jp-GeminiCard-body');
  await expect(body).toContainText('Answer from the local OpenRouter emulator');
  const partial = (await body.textContent()) ?? '';
  await expect(
    card.locator('.jp-GeminiCard-badge.jp-mod-streaming')
  ).toBeVisible();
  await shot(page, '02-streaming');

  await expect(card).toHaveAttribute('data-status', 'complete', {
    timeout: 60_000
  });
  const final = (await body.textContent()) ?? '';
  expect(final.length).toBeGreaterThan(partial.length);
  expect(final).toContain('You asked');
  // One card, updated in place: JupyterLab reused the renderer for every update.
  await expect(cell(page, 1).locator('.jp-GeminiCard')).toHaveCount(1);
  await expect(card.locator('.jp-GeminiCard-tokens')).toContainText(
    '/ 160 out tokens'
  );
  await expect(card.locator('.jp-GeminiCard-cost')).toHaveText(/^\$0\.\d+$/);
  await expect(
    card.locator('.jp-GeminiCard-badge.jp-mod-emulator')
  ).toBeVisible();
  await shot(page, '03-answer-card');
});

test('the status bar shows the session total, the same as %gemini cost', async () => {
  await expect(status()).toBeVisible();
  const answerTotal =
    (await cell(page, 1).locator('.jp-GeminiCard-session').textContent()) ?? '';
  await expect(status()).toHaveText(/^Gemini \$0\.\d+ · gemini-/);
  await runCell(page, 2);
  // What `%gemini cost` printed: its Markdown table's total row (JupyterLab may show the JSON instead).
  const markdown: string = await page.evaluate(() => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    return notebook.widgets[2].model.outputs.get(0).data['text/markdown'];
  });
  const totalLine =
    markdown.split('\n').find(line => line.includes('**total**')) ?? '';
  const tableTotal = dollars(totalLine.replace(/\\\$/g, '$')).pop();
  const statusTotal = dollars((await status().textContent()) ?? '')[0];
  expect(statusTotal).toBeTruthy();
  expect(statusTotal).toBe(tableTotal);
  expect(answerTotal).toBe(`session ${statusTotal}`);
  await shot(page, '04-status-bar-and-cost');

  await status().click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText('Gemini session cost');
  await expect(dialog.locator('.jp-GeminiBreakdown-total')).toContainText(
    statusTotal!
  );
  if ((await status().getAttribute('data-source')) === 'comm') {
    await expect(dialog.locator('tbody tr')).toHaveCount(2); // one model, then the total
  } else {
    // The kernel has no comm target (an older jupyter-gemini): the total comes from the answers.
    await expect(dialog.locator('tbody tr')).toHaveCount(1);
    await expect(dialog).toContainText('%load_ext jupyter_gemini');
  }
  await shot(page, '05-cost-breakdown');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
});

test('"Insert as new cell below" puts a code block in a new cell', async () => {
  await runCell(page, 3);
  const card = cell(page, 3).locator('.jp-GeminiCard');
  await expect(card).toHaveAttribute('data-status', 'complete');
  const code = (
    (await card
      .locator('.jp-GeminiCard-codeblock pre')
      .first()
      .textContent()) ?? ''
  ).replace(/\n$/, '');
  expect(code).toContain('emulator');
  const before = await cellSources(page);
  await card
    .getByRole('button', { name: 'Insert as new cell below' })
    .first()
    .click();
  await expect
    .poll(async () => (await cellSources(page)).length)
    .toBe(before.length + 1);
  const after = await cellSources(page);
  expect(after[4]).toBe(code);
  expect(after.slice(5)).toEqual(before.slice(4));
  await expect(cell(page, 4)).toHaveClass(/jp-mod-active/);
  await scrollIntoView(cell(page, 4));
  await shot(page, '06-insert-code-cell');
});

test('"Ask Gemini about this output" on a figure inserts a %%gemini --image cell', async () => {
  const sources = await cellSources(page);
  const plotIndex = sources.findIndex(source =>
    source.startsWith('%matplotlib inline')
  );
  await runCell(page, plotIndex);
  const figure = cell(page, plotIndex).locator('.jp-OutputArea-child img');
  await expect(figure).toBeVisible();
  const count = await cell(page, plotIndex)
    .locator('.jp-InputPrompt')
    .textContent()
    .then(text => /\[(\d+)\]/.exec(text ?? '')?.[1]);
  expect(count).toBeTruthy();

  await figure.click({ button: 'right' });
  const item = page.getByRole('menuitem', {
    name: 'Ask Gemini about this output'
  });
  await expect(item).toBeVisible();
  await shot(page, '07-ask-about-output-menu');
  await item.click();
  await expect
    .poll(async () => (await cellSources(page))[plotIndex + 1])
    .toMatch(/^%%gemini --image Out\[\d+\]\n/);
  const asked = (await cellSources(page))[plotIndex + 1];
  expect(asked.split('\n')[0]).toBe(`%%gemini --image Out[${count}]`);
  // Ready to edit: the caret waits at the end of the question.
  await expect(page.locator('#jp-main-statusbar')).toContainText(
    'Ln 2, Col 59'
  );

  await runCell(page, plotIndex + 1);
  const card = cell(page, plotIndex + 1).locator('.jp-GeminiCard');
  await expect(card).toHaveAttribute('data-status', 'complete');
  await expect(card.locator('.jp-GeminiCard-body')).toContainText('1 image');
  await scrollIntoView(card);
  await shot(page, '08-ask-about-figure');
});

test('a retry countdown shows as a waiting card, then the error', async () => {
  const index = await appendCell(
    page,
    '%%gemini\n[[emulator: fault=http:429 retry_after=2]] Busy?'
  );
  await runCell(page, index, false);
  const card = cell(page, index).locator('.jp-GeminiCard');
  await expect(card).toHaveAttribute('data-status', 'waiting');
  await expect(card.locator('.jp-GeminiCard-noticeText')).toContainText(
    /trying again|retry/i
  );
  await scrollToCell(page, index);
  await shot(page, '09-retry-countdown');
  // Retries exhausted: the countdown gives way to the one-sentence error.
  await expect(
    cell(page, index).locator('.jp-OutputArea-output')
  ).toContainText('Rate limited', { timeout: 60_000 });
  await expect(card).toHaveCount(0);
});

test('the status bar follows the active notebook', async () => {
  const total = await status().textContent();
  await openNotebook(page, OTHER);
  await expect(status()).toBeHidden(); // this kernel never loaded jupyter-gemini
  await openNotebook(page, DEMO);
  await expect(status()).toHaveText(total!);
});

test('the tally widget shows the session cost and updates live', async () => {
  const widgetIndex = await appendCell(
    page,
    'from jupyter_gemini import current_session\nfrom jupyter_gemini._widgets import tally_widget\n\ntally_widget(current_session())'
  );
  await runCell(page, widgetIndex);
  const tally = cell(page, widgetIndex).locator('.jupyter-gemini-tally');
  await expect(tally).toBeVisible();
  const statusTotal = dollars((await status().textContent()) ?? '')[0];
  await expect(tally.locator('.jupyter-gemini-total')).toContainText(
    statusTotal
  );

  const askIndex = await appendCell(
    page,
    '%%gemini\nOne more question, to move the total.'
  );
  await runCell(page, askIndex);
  await expect(cell(page, askIndex).locator('.jp-GeminiCard')).toHaveAttribute(
    'data-status',
    'complete'
  );
  await expect(status()).not.toContainText(statusTotal);
  const newTotal = dollars((await status().textContent()) ?? '')[0];
  await expect(tally.locator('.jupyter-gemini-total')).toContainText(newTotal);
  await scrollToCell(page, widgetIndex);
  await shot(page, '10-tally-widget');
});

test('notebook outputs stay readable without the extension: text/markdown is there too', async () => {
  const outputs = await page.evaluate(() => {
    const notebook = (window as any).jupyterapp.shell.currentWidget.content;
    const model = notebook.widgets[1].model.outputs.get(0);
    return Object.keys(model.data);
  });
  expect(outputs).toEqual(
    expect.arrayContaining([
      'text/plain',
      'text/markdown',
      'application/vnd.jupyter-gemini.response+json'
    ])
  );
  await expect(notebook(page)).toBeVisible();
});

test('a thinking model shows its thinking collapsed above the answer, and counts it apart', async () => {
  const index = await appendCell(
    page,
    '%%gemini --reasoning low\nThink first: what is a DataFrame?'
  );
  await runCell(page, index);
  const card = cell(page, index).locator('.jp-GeminiCard');
  await expect(card).toHaveAttribute('data-status', 'complete');
  const section = card.locator('.jp-GeminiCard-thinking');
  await expect(section.locator('summary')).toHaveText(
    /^Thought for \d+\.\d s \(128 tokens\)$/
  );
  const text = section.locator('.jp-GeminiCard-thinkingText');
  await expect(text).toBeHidden(); // collapsed until asked
  await section.locator('summary').click();
  await expect(text).toContainText('Emulated thinking');
  await expect(card.locator('.jp-GeminiCard-body')).not.toContainText(
    'Emulated thinking'
  );
  await expect(card.locator('.jp-GeminiCard-tokens')).toContainText(
    '+ 128 thinking tokens'
  );
  await scrollToCell(page, index);
  await shot(page, '11-thinking');
});
