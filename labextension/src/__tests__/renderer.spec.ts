import { ICodeActions } from '../codeblocks';
import {
  createRendererFactory,
  RENDERER_RANK,
  ResponseCard
} from '../renderer';
import { IResponseJSON, RESPONSE_MIME } from '../types';
import { COMPLETE, KERNEL, model, rendererOptions } from './helpers';

function card(actions: Partial<ICodeActions> = {}): {
  card: ResponseCard;
  options: ReturnType<typeof rendererOptions>;
  copied: string[];
  inserted: Array<[string, string]>;
} {
  const copied: string[] = [];
  const inserted: Array<[string, string]> = [];
  const options = rendererOptions();
  const all: ICodeActions = {
    copy: code => {
      copied.push(code);
    },
    insertBelow: (code, language) => {
      inserted.push([code, language]);
      return true;
    },
    ...actions
  };
  return { card: new ResponseCard(options, all), options, copied, inserted };
}

const q = (root: HTMLElement, selector: string): HTMLElement => {
  const node = root.querySelector<HTMLElement>(selector);
  if (!node) {
    throw new Error(`no ${selector} in ${root.outerHTML}`);
  }
  return node;
};

const visible = (node: HTMLElement): boolean => !node.hidden;

describe('the answer card', () => {
  it('renders a complete answer as Markdown with a footer', async () => {
    const { card: c } = card();
    await c.renderModel(model(COMPLETE));
    expect(c.node.classList).toContain('jp-GeminiCard');
    expect(c.node.dataset['status']).toBe('complete');
    const body = q(c.node, '.jp-GeminiCard-body');
    expect(q(body, 'strong').textContent).toBe('DataFrame');
    expect(q(body, 'em').textContent).toContain('local OpenRouter emulator');
    expect(q(c.node, '.jp-GeminiCard-model').textContent).toBe(
      'google/gemini-3.1-flash-lite'
    );
    expect(q(c.node, '.jp-GeminiCard-tokens').textContent).toBe(
      '54 in / 60 out tokens'
    );
    expect(q(c.node, '.jp-GeminiCard-cost').textContent).toBe('$0.0001035');
    expect(q(c.node, '.jp-GeminiCard-session').textContent).toBe(
      'session $0.000207'
    );
    expect(visible(q(c.node, '.jp-GeminiCard-emulatorNote'))).toBe(false);
    expect(visible(q(c.node, '.jp-GeminiCard-notice'))).toBe(false);
    expect(visible(q(c.node, '.jp-GeminiCard-problem'))).toBe(false);
    expect(c.node.querySelectorAll('.jp-GeminiCard-badge')).toHaveLength(0);
    expect(q(c.node, '.jp-GeminiCard-footer').title).toContain(
      'generation: gen-1764926649'
    );
  });

  it('is registered for the response MIME type ahead of Markdown', () => {
    const factory = createRendererFactory({ copy: () => undefined });
    expect(factory.mimeTypes).toEqual([RESPONSE_MIME]);
    expect(factory.safe).toBe(true);
    expect(RENDERER_RANK).toBeLessThan(60); // text/markdown's default rank
    expect(factory.createRenderer(rendererOptions())).toBeInstanceOf(
      ResponseCard
    );
  });

  it('puts Copy and Insert buttons on each code block', async () => {
    const { card: c, copied, inserted } = card();
    await c.renderModel(model(KERNEL.code_blocks));
    const blocks = c.node.querySelectorAll<HTMLElement>(
      '.jp-GeminiCard-codeblock'
    );
    expect(blocks).toHaveLength(2);
    const [python] = Array.from(blocks);
    // JupyterLab's parser highlighted the block: the code is split in token spans.
    expect(python.querySelector('code.language-python span')).not.toBeNull();
    const buttons = python.querySelectorAll<HTMLButtonElement>('button');
    expect(Array.from(buttons).map(b => b.getAttribute('aria-label'))).toEqual([
      'Copy code',
      'Insert as new cell below'
    ]);
    buttons[0].click();
    buttons[1].click();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(copied).toEqual(['import pandas as pd\nprint(pd.__version__)']);
    expect(inserted).toEqual([
      ['import pandas as pd\nprint(pd.__version__)', 'python']
    ]);
    expect(buttons[0].textContent).toBe('Copied');
  });

  it('offers only Copy where cells cannot be inserted', async () => {
    const { card: c } = card({ insertBelow: undefined });
    await c.renderModel(model(KERNEL.one_block));
    const labels = Array.from(c.node.querySelectorAll('button')).map(
      b => b.textContent
    );
    expect(labels).toEqual(['Copy']);
  });

  it('streams into the same DOM, then becomes the complete card', async () => {
    const { card: c } = card();
    const root = c.node;
    const streaming: IResponseJSON = {
      version: 1,
      status: 'streaming',
      text: '',
      model: COMPLETE.model
    };
    await c.renderModel(model(streaming));
    const body = q(root, '.jp-GeminiCard-body');
    const footer = q(root, '.jp-GeminiCard-footer');
    expect(root.dataset['status']).toBe('streaming');
    expect(q(root, '.jp-GeminiCard-badge').textContent).toBe('streaming…');
    expect(q(root, '.jp-GeminiCard-model').textContent).toBe(
      'streaming from google/gemini-3.1-flash-lite…'
    );
    expect(visible(q(root, '.jp-GeminiCard-cost'))).toBe(false);

    await c.renderModel(model({ ...streaming, text: 'A **Data**' }));
    expect(body.textContent).toContain('A Data');
    expect(q(root, '.jp-GeminiCard-tokens').textContent).toBe(
      '10 characters so far'
    );

    await c.renderModel(model(COMPLETE));
    expect(c.node).toBe(root);
    expect(q(root, '.jp-GeminiCard-body')).toBe(body);
    expect(q(root, '.jp-GeminiCard-footer')).toBe(footer);
    expect(root.dataset['status']).toBe('complete');
    expect(root.querySelectorAll('.jp-GeminiCard-badge')).toHaveLength(0);
    expect(q(root, '.jp-GeminiCard-cost').textContent).toBe('$0.0001035');
    expect(visible(q(root, '.jp-GeminiCard-cost'))).toBe(true);
    expect(q(body, 'strong').textContent).toBe('DataFrame');
  });

  it('coalesces a burst of updates into few Markdown renders, ending on the last text', async () => {
    const { card: c, options } = card();
    await c.renderModel(
      model({ status: 'streaming', text: 'word', model: 'm' })
    );
    const pending: Promise<void>[] = [];
    let text = 'word';
    for (let i = 0; i < 20; i++) {
      text += ` word${i}`;
      pending.push(
        c.renderModel(model({ status: 'streaming', text, model: 'm' }))
      );
    }
    await Promise.all(pending);
    expect(options.parsed.length).toBeLessThanOrEqual(3);
    expect(q(c.node, '.jp-GeminiCard-body').textContent).toContain('word19');
  });

  it('shows a waiting notice (a retry countdown) and no footer', async () => {
    const { card: c } = card();
    await c.renderModel(
      model({
        version: 1,
        status: 'waiting',
        text: '',
        notice: 'Rate limited; retrying in 3 s (attempt 2 of 3)…'
      })
    );
    expect(c.node.dataset['status']).toBe('waiting');
    expect(visible(q(c.node, '.jp-GeminiCard-notice'))).toBe(true);
    expect(q(c.node, '.jp-GeminiCard-noticeText').textContent).toBe(
      'Rate limited; retrying in 3 s (attempt 2 of 3)…'
    );
    expect(visible(q(c.node, '.jp-GeminiCard-footer'))).toBe(false);
    expect(visible(q(c.node, '.jp-GeminiCard-body'))).toBe(false);
    expect(q(c.node, '.jp-GeminiCard-badge').textContent).toBe('waiting');
  });

  it('marks emulator answers', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.emulator));
    expect(q(c.node, '.jp-GeminiCard-badge.jp-mod-emulator').textContent).toBe(
      'emulator'
    );
    expect(visible(q(c.node, '.jp-GeminiCard-emulatorNote'))).toBe(true);
    expect(q(c.node, '.jp-GeminiCard-emulatorNote').textContent).toBe(
      'local emulator'
    );
  });

  it('shows the thinking collapsed above the answer, apart from it', async () => {
    const { card: c } = card();
    await c.renderModel(
      model({
        status: 'streaming',
        model: 'm',
        text: '',
        thinking: 'Let me see',
        thinking_summary: 'Thinking… 10 characters'
      })
    );
    const section = q(c.node, '.jp-GeminiCard-thinking') as HTMLDetailsElement;
    expect(visible(section)).toBe(true);
    expect(section.open).toBe(false);
    expect(q(section, 'summary').textContent).toBe('Thinking… 10 characters');
    await c.renderModel(model(KERNEL.thinking));
    expect(q(section, 'summary').textContent).toBe(
      'Thought for 4.2 s (310 tokens)'
    );
    expect(q(section, '.jp-GeminiCard-thinkingText').textContent).toBe(
      KERNEL.thinking.thinking
    );
    expect(q(c.node, '.jp-GeminiCard-body').textContent).not.toContain(
      'plain definition'
    );
    expect(q(c.node, '.jp-GeminiCard-tokens').textContent).toBe(
      '54 in / 60 out + 310 thinking tokens'
    );
    await c.renderModel(model(COMPLETE));
    expect(visible(section)).toBe(false);
  });

  it('says what went with the question, as the text footer does', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.attachments));
    expect(q(c.node, '.jp-GeminiCard-attachments').textContent).toBe(
      'with 1 image (539×352 PNG, 13 KB), ≈24% of the prompt'
    );
    expect(q(c.node, '.jp-GeminiCard-footer').textContent).toContain(
      '539×352 PNG'
    );
    await c.renderModel(model(COMPLETE));
    expect(visible(q(c.node, '.jp-GeminiCard-attachments'))).toBe(false);
  });

  it('marks partial answers and shows the problem', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.partial));
    expect(q(c.node, '.jp-GeminiCard-badge.jp-mod-partial').textContent).toBe(
      'incomplete'
    );
    expect(q(c.node, '.jp-GeminiCard-problem').textContent).toBe(
      '⚠ Incomplete answer: the connection dropped.'
    );
    expect(q(c.node, '.jp-GeminiCard-cost').textContent).toBe('≈$0.0001035');
    expect(q(c.node, '.jp-GeminiCard-body').textContent).toContain('DataFrame');
  });

  it('shows a failed answer with no text as its problem alone', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.failed));
    expect(c.node.dataset['status']).toBe('error');
    expect(q(c.node, '.jp-GeminiCard-badge.jp-mod-error').textContent).toBe(
      'failed'
    );
    expect(visible(q(c.node, '.jp-GeminiCard-body'))).toBe(false);
    expect(visible(q(c.node, '.jp-GeminiCard-problem'))).toBe(true);
  });

  it('marks cached answers', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.cached));
    expect(q(c.node, '.jp-GeminiCard-badge.jp-mod-cached').textContent).toBe(
      'cached'
    );
    expect(q(c.node, '.jp-GeminiCard-cost').textContent).toBe(
      'cached · $0 (saved $0.0001035)'
    );
  });

  it('sanitizes the model output whatever the notebook trust', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.unsafe));
    const body = q(c.node, '.jp-GeminiCard-body');
    expect(body.innerHTML).not.toContain('onerror');
    expect(body.querySelector('script')).toBeNull();
  });

  it('renders text answers as plain text and code answers as one Python block', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.plain_text));
    const body = q(c.node, '.jp-GeminiCard-body');
    expect(body.textContent).toBe('no *markdown* here');
    expect(body.classList).toContain('jp-mod-plain');

    await c.renderModel(model(KERNEL.code_format));
    expect(body.classList).not.toContain('jp-mod-plain');
    expect(q(body, 'code.language-python').textContent).toBe('print(1)');
    expect(body.textContent).not.toContain('Sure');
  });

  it('writes costs exactly, exponents included', async () => {
    const { card: c } = card();
    await c.renderModel(model(KERNEL.exponent));
    expect(q(c.node, '.jp-GeminiCard-cost').textContent).toBe('$0.0000001035');
    expect(q(c.node, '.jp-GeminiCard-session').textContent).toBe('session $0');
  });
});
