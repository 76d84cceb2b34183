/**
 * "Copy" and "Insert as new cell below" on each code block of a rendered answer.
 *
 * Buttons carry a `data-gemini-action` attribute and no listener: the card
 * handles clicks by delegation, so re-rendering while streaming costs no
 * listener churn.
 */

export const ACTION_ATTRIBUTE = 'data-gemini-action';
export const CODEBLOCK_CLASS = 'jp-GeminiCard-codeblock';
const TOOLBAR_CLASS = 'jp-GeminiCard-codeToolbar';

export type CodeAction = 'copy' | 'insert';

/** What the buttons do; the plugin supplies the notebook-aware version. */
export interface ICodeActions {
  copy(code: string): Promise<void> | void;
  /** Insert below the cell holding `host`; absent where there is no notebook. */
  insertBelow?(
    code: string,
    language: string,
    host: HTMLElement
  ): Promise<boolean> | boolean;
}

function button(
  action: CodeAction,
  text: string,
  title: string
): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = 'jp-GeminiCard-codeButton jp-mod-styled';
  node.setAttribute(ACTION_ATTRIBUTE, action);
  node.setAttribute('aria-label', title);
  node.title = title;
  node.textContent = text;
  return node;
}

/** Wrap every `<pre>` under `root` with a small toolbar. */
export function decorateCodeBlocks(
  root: HTMLElement,
  canInsert: boolean
): number {
  const blocks = Array.from(root.querySelectorAll('pre'));
  for (const pre of blocks) {
    if (pre.parentElement?.classList.contains(CODEBLOCK_CLASS)) {
      continue;
    }
    const wrapper = document.createElement('div');
    wrapper.className = CODEBLOCK_CLASS;
    const toolbar = document.createElement('div');
    toolbar.className = TOOLBAR_CLASS;
    toolbar.appendChild(button('copy', 'Copy', 'Copy code'));
    if (canInsert) {
      toolbar.appendChild(
        button('insert', 'Insert below', 'Insert as new cell below')
      );
    }
    pre.replaceWith(wrapper);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(pre);
  }
  return blocks.length;
}

/** The code and its language (`language-python` class) of the block holding `button`. */
export function codeOf(
  target: Element
): { code: string; language: string } | null {
  const block = target.closest(`.${CODEBLOCK_CLASS}`);
  const pre = block?.querySelector('pre');
  if (!pre) {
    return null;
  }
  const code = pre.querySelector('code') ?? pre;
  const language = /(?:^|\s)language-(\S+)/.exec(code.className)?.[1] ?? '';
  return { code: (code.textContent ?? '').replace(/\n$/, ''), language };
}
