/**
 * The answer card: a MIME renderer for `application/vnd.jupyter-gemini.response+json`.
 *
 * While an answer streams, the kernel resends the whole bundle with
 * `update_display_data`, and JupyterLab calls `renderModel` again on the same
 * renderer. So the card keeps its DOM: the chrome (badges, notice, footer) is
 * patched in place, and the Markdown body is re-rendered at most once per
 * animation frame into a detached node, then swapped in at once: no flicker,
 * no scroll jump.
 */

import { renderMarkdown } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import {
  ACTION_ATTRIBUTE,
  codeOf,
  decorateCodeBlocks,
  ICodeActions
} from './codeblocks';
import { bodyMarkdown, footerParts, formatTokens } from './format';
import { IResponseJSON, RESPONSE_MIME } from './types';

/** Lower ranks win: text/markdown is 60, so the card is preferred wherever it is installed. */
export const RENDERER_RANK = 20;

const CARD_CLASS = 'jp-GeminiCard';

interface IBadge {
  key: string;
  label: string;
  title: string;
}

/** The marks shown in the card's header for one state of the answer. */
export function badgesFor(data: IResponseJSON): IBadge[] {
  const badges: IBadge[] = [];
  switch (data.status) {
    case 'waiting':
      badges.push({
        key: 'waiting',
        label: 'waiting',
        title: 'Waiting before sending (e.g. a retry)'
      });
      break;
    case 'streaming':
      badges.push({
        key: 'streaming',
        label: 'streaming…',
        title: 'The answer is still arriving'
      });
      break;
    case 'partial':
      badges.push({
        key: 'partial',
        label: 'incomplete',
        title: 'The answer stopped early; the text received is kept and counted'
      });
      break;
    case 'error':
      badges.push({
        key: 'error',
        label: 'failed',
        title: 'No answer: see the message below'
      });
      break;
    case 'cached':
      badges.push({
        key: 'cached',
        label: 'cached',
        title: 'Served from the cache: nothing was spent'
      });
      break;
  }
  if (data.emulator) {
    badges.push({
      key: 'emulator',
      label: 'emulator',
      title:
        'Answered by the local OpenRouter emulator, not a real model; nothing was spent'
    });
  }
  return badges;
}

function isFinal(data: IResponseJSON): boolean {
  return data.status !== 'streaming' && data.status !== 'waiting';
}

/** The next animation frame (a timeout where there is none, as in some test DOMs). */
function nextFrame(): Promise<void> {
  return new Promise(resolve => {
    if (typeof requestAnimationFrame === 'function') {
      requestAnimationFrame(() => resolve());
    } else {
      setTimeout(resolve, 16);
    }
  });
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent?: HTMLElement
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  parent?.appendChild(node);
  return node;
}

/** Write only when the value changed: every write can cost a layout. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) {
    node.hidden = hidden;
  }
}

export class ResponseCard extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions, actions: ICodeActions) {
    super();
    this._options = options;
    this._actions = actions;
    this.addClass(CARD_CLASS);
    const root = this.node;
    this._header = element('div', 'jp-GeminiCard-header', root);
    element('span', 'jp-GeminiCard-brand', this._header).textContent = 'Gemini';
    this._badges = element('span', 'jp-GeminiCard-badges', this._header);
    this._notice = element('div', 'jp-GeminiCard-notice', root);
    element('span', 'jp-GeminiCard-spinner', this._notice);
    this._noticeText = element(
      'span',
      'jp-GeminiCard-noticeText',
      this._notice
    );
    this._thinking = element('details', 'jp-GeminiCard-thinking', root);
    this._thinkingSummary = element('summary', '', this._thinking);
    this._thinkingText = element(
      'div',
      'jp-GeminiCard-thinkingText',
      this._thinking
    );
    this._body = element(
      'div',
      'jp-GeminiCard-body jp-RenderedHTMLCommon jp-RenderedMarkdown',
      root
    );
    this._problem = element('div', 'jp-GeminiCard-problem', root);
    this._footer = element('div', 'jp-GeminiCard-footer', root);
    this._footerModel = element('span', 'jp-GeminiCard-model', this._footer);
    this._footerTokens = element('span', 'jp-GeminiCard-tokens', this._footer);
    this._footerCost = element('span', 'jp-GeminiCard-cost', this._footer);
    this._footerSession = element(
      'span',
      'jp-GeminiCard-session',
      this._footer
    );
    this._footerAttachments = element(
      'span',
      'jp-GeminiCard-attachments',
      this._footer
    );
    this._footerEmulator = element(
      'span',
      'jp-GeminiCard-emulatorNote',
      this._footer
    );
    this.node.addEventListener('click', this);
  }

  /** The latest answer JSON rendered (or being rendered). */
  get data(): IResponseJSON {
    return this._data;
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._data = (model.data[RESPONSE_MIME] ?? {}) as IResponseJSON;
    this._renderChrome(this._data);
    return this._requestBody();
  }

  handleEvent(event: Event): void {
    if (event.type === 'click') {
      void this._onClick(event as MouseEvent);
    }
  }

  protected onAfterAttach(): void {
    // LaTeX is typeset once the answer is final and the node is in the page.
    if (this._typesetPending) {
      this._typeset();
    }
  }

  dispose(): void {
    this.node.removeEventListener('click', this);
    super.dispose();
  }

  private _renderChrome(data: IResponseJSON): void {
    this.node.dataset['status'] = data.status ?? 'complete';
    const badges = badgesFor(data);
    const signature = badges.map(b => b.key).join(' ');
    if (this._badges.dataset['keys'] !== signature) {
      this._badges.dataset['keys'] = signature;
      this._badges.replaceChildren(
        ...badges.map(b => {
          const node = element('span', `jp-GeminiCard-badge jp-mod-${b.key}`);
          node.textContent = b.label;
          node.title = b.title;
          return node;
        })
      );
    }

    const waiting = data.status === 'waiting';
    setHidden(this._notice, !waiting);
    setText(this._noticeText, waiting ? (data.notice ?? 'Waiting…') : '');

    // The model's thinking, collapsed above the answer; its text is the model's, so never markup.
    const summary = data.thinking_summary ?? '';
    setHidden(this._thinking, !summary);
    setText(this._thinkingSummary, summary);
    setText(this._thinkingText, data.thinking ?? '');

    const problem = data.problem ? `⚠ ${data.problem}` : '';
    setText(this._problem, problem);
    setHidden(this._problem, !problem);

    this._renderFooter(data);
  }

  private _renderFooter(data: IResponseJSON): void {
    const final = isFinal(data);
    setHidden(this._footer, data.status === 'waiting');
    if (!final) {
      const chars = (data.text ?? '').length;
      setText(
        this._footerModel,
        data.model ? `streaming from ${data.model}…` : 'streaming…'
      );
      setText(
        this._footerTokens,
        chars ? `${formatTokens(chars)} characters so far` : ''
      );
      for (const node of [
        this._footerCost,
        this._footerSession,
        this._footerAttachments,
        this._footerEmulator
      ]) {
        setHidden(node, true);
      }
      setHidden(this._footerTokens, !chars);
      return;
    }
    const parts = footerParts(data);
    setText(this._footerModel, parts.model);
    setText(this._footerTokens, parts.tokens);
    setText(this._footerCost, parts.cost);
    setText(this._footerSession, parts.session);
    setText(this._footerAttachments, parts.attachments);
    setText(this._footerEmulator, parts.emulator);
    setHidden(this._footerModel, !parts.model);
    setHidden(this._footerTokens, !parts.tokens);
    setHidden(this._footerCost, !parts.cost);
    setHidden(this._footerSession, !parts.session);
    setHidden(this._footerAttachments, !parts.attachments);
    setHidden(this._footerEmulator, !parts.emulator);
    const usage = data.usage ?? {};
    const details = [
      data.provider ? `provider: ${data.provider}` : '',
      data.generation_id ? `generation: ${data.generation_id}` : '',
      data.finish_reason ? `finish reason: ${data.finish_reason}` : '',
      usage.reasoning_tokens
        ? `reasoning tokens: ${formatTokens(usage.reasoning_tokens)}`
        : '',
      usage.cached_tokens
        ? `cached prompt tokens: ${formatTokens(usage.cached_tokens)}`
        : '',
      data.cost_estimated || data.session_total_estimated
        ? '≈ marks an estimate: the server reported no cost'
        : ''
    ].filter(Boolean);
    const title = details.join('\n');
    if (this._footer.title !== title) {
      this._footer.title = title;
    }
  }

  /**
   * Render the body from the newest data, at most once per frame.
   *
   * Updates arriving during a render mark the body dirty; the loop picks them
   * up on the next frame, so there is never more than one render in flight.
   * The first render skips the frame wait: a new card should not show empty.
   */
  private _requestBody(): Promise<void> {
    this._bodyDirty = true;
    if (!this._bodyLoop) {
      this._bodyLoop = this._runBodyLoop().finally(() => {
        this._bodyLoop = null;
      });
    }
    return this._bodyLoop;
  }

  private async _runBodyLoop(): Promise<void> {
    while (this._bodyDirty && !this.isDisposed) {
      if (this._renderedSource !== null) {
        await nextFrame();
      }
      this._bodyDirty = false;
      try {
        await this._renderBody(this._data);
      } catch (reason) {
        console.error('jupyter-gemini: could not render the answer', reason);
      }
    }
  }

  private async _renderBody(data: IResponseJSON): Promise<void> {
    const source = bodyMarkdown(data);
    const final = isFinal(data);
    const plain = data.format === 'text';
    const key = `${plain ? 'text' : 'md'}\u0000${source}`;
    if (key === this._renderedSource && final === this._renderedFinal) {
      return;
    }
    setHidden(this._body, !source);
    if (plain) {
      this._body.classList.add('jp-mod-plain');
      setText(this._body, source);
    } else {
      this._body.classList.remove('jp-mod-plain');
      const scratch = document.createElement('div');
      const o = this._options;
      await renderMarkdown({
        host: scratch,
        source,
        // Model output is never trusted: always sanitize, whatever the notebook's trust.
        trusted: false,
        sanitizer: o.sanitizer,
        resolver: o.resolver,
        linkHandler: o.linkHandler,
        latexTypesetter: o.latexTypesetter,
        markdownParser: o.markdownParser ?? null,
        translator: o.translator,
        shouldTypeset: false
      });
      decorateCodeBlocks(scratch, !!this._actions.insertBelow);
      this._body.replaceChildren(...Array.from(scratch.childNodes));
    }
    this._renderedSource = key;
    this._renderedFinal = final;
    this._typesetPending = final && !plain && !!this._options.latexTypesetter;
    if (this._typesetPending && this.isAttached) {
      this._typeset();
    }
  }

  private _typeset(): void {
    this._typesetPending = false;
    try {
      void Promise.resolve(
        this._options.latexTypesetter?.typeset(this._body)
      ).catch(console.warn);
    } catch (reason) {
      console.warn(reason);
    }
  }

  private async _onClick(event: MouseEvent): Promise<void> {
    const target = (event.target as Element | null)?.closest?.(
      `[${ACTION_ATTRIBUTE}]`
    );
    if (!target || !this.node.contains(target)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const found = codeOf(target);
    if (!found) {
      return;
    }
    const button = target as HTMLButtonElement;
    const action = button.getAttribute(ACTION_ATTRIBUTE);
    try {
      if (action === 'copy') {
        await this._actions.copy(found.code);
        this._flash(button, 'Copied');
      } else if (action === 'insert' && this._actions.insertBelow) {
        if (
          await this._actions.insertBelow(found.code, found.language, this.node)
        ) {
          this._flash(button, 'Inserted');
        }
      }
    } catch (reason) {
      console.error('jupyter-gemini: code block action failed', reason);
    }
  }

  /** Brief feedback on the button itself; the label comes back after a moment. */
  private _flash(button: HTMLButtonElement, text: string): void {
    const original = button.dataset['label'] ?? button.textContent ?? '';
    button.dataset['label'] = original;
    button.textContent = text;
    button.classList.add('jp-mod-done');
    setTimeout(() => {
      button.textContent = original;
      button.classList.remove('jp-mod-done');
    }, 1200);
  }

  private _options: IRenderMime.IRendererOptions;
  private _actions: ICodeActions;
  private _data: IResponseJSON = {};
  private _header: HTMLDivElement;
  private _badges: HTMLSpanElement;
  private _notice: HTMLDivElement;
  private _noticeText: HTMLSpanElement;
  private _body: HTMLDivElement;
  private _problem: HTMLDivElement;
  private _thinking: HTMLDetailsElement;
  private _thinkingSummary: HTMLElement;
  private _thinkingText: HTMLDivElement;
  private _footer: HTMLDivElement;
  private _footerModel: HTMLSpanElement;
  private _footerTokens: HTMLSpanElement;
  private _footerCost: HTMLSpanElement;
  private _footerSession: HTMLSpanElement;
  private _footerAttachments: HTMLSpanElement;
  private _footerEmulator: HTMLSpanElement;
  private _bodyDirty = false;
  private _bodyLoop: Promise<void> | null = null;
  private _renderedSource: string | null = null;
  private _renderedFinal = false;
  private _typesetPending = false;
}

/** The factory JupyterLab's render registry uses to build cards. */
export function createRendererFactory(
  actions: ICodeActions
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [RESPONSE_MIME],
    defaultRank: RENDERER_RANK,
    createRenderer: options => new ResponseCard(options, actions)
  };
}
