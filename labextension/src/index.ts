/**
 * jupyter-gemini for JupyterLab 4: answer cards, the session cost in the status
 * bar, Markdown highlighting of `%%gemini` cells, and "Ask Gemini about this output".
 * Frontend only: everything comes from the kernel (display data and one comm).
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Clipboard, ICommandPalette, Notification } from '@jupyterlab/apputils';
import {
  EditorExtensionRegistry,
  IEditorExtensionRegistry,
  IEditorLanguageRegistry
} from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStatusBar } from '@jupyterlab/statusbar';

import { addAskCommand } from './ask';
import { KernelTallies } from './client';
import { ICodeActions } from './codeblocks';
import { geminiCellHighlighting } from './highlight';
import { findCell, insertCellBelow } from './notebook';
import { createRendererFactory, RENDERER_RANK } from './renderer';
import { CurrentTally, TallyStatusItem } from './status';
import { RESPONSE_MIME } from './types';

const renderer: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-gemini:renderer',
  description:
    'Renders jupyter-gemini answers as cards, with buttons on code blocks.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker | null
  ) => {
    const actions: ICodeActions = {
      copy: code => Clipboard.copyToSystem(code),
      insertBelow: tracker
        ? (code, _language, host) => {
            const location = findCell(tracker, host);
            if (!location) {
              Clipboard.copyToSystem(code);
              Notification.info(
                'No notebook cell to insert below: the code was copied instead.',
                {
                  autoClose: 3000
                }
              );
              return false;
            }
            return insertCellBelow(location, code) !== null;
          }
        : undefined
    };
    const factory = createRendererFactory(actions);
    rendermime.addFactory(factory, RENDERER_RANK);
    // Notebooks opened before this plugin activated hold a clone of the registry.
    tracker?.forEach(panel => {
      if (!panel.content.rendermime.getFactory(RESPONSE_MIME)) {
        panel.content.rendermime.addFactory(factory, RENDERER_RANK);
      }
    });
  }
};

const status: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-gemini:status',
  description:
    "Shows the active notebook kernel's jupyter-gemini session cost in the status bar.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [IStatusBar],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    statusBar: IStatusBar | null
  ) => {
    if (!statusBar) {
      return;
    }
    const tallies = new KernelTallies();
    // Every notebook's kernel is followed from the start, so switching shows its total at once.
    tracker.widgetAdded.connect((_, panel) => {
      const follow = () => {
        const kernel = panel.sessionContext.session?.kernel;
        if (kernel) {
          tallies.get(kernel);
        }
      };
      panel.sessionContext.kernelChanged.connect(follow);
      follow();
    });
    const current = new CurrentTally(tallies);
    const follow = () =>
      current.follow(tracker.currentWidget?.sessionContext ?? null);
    tracker.currentChanged.connect(follow);
    follow();
    const item = new TallyStatusItem(current);
    statusBar.registerStatusItem('jupyter-gemini:status', {
      item,
      align: 'left',
      rank: 10,
      isActive: () => current.state !== null,
      activeStateChanged: current.changed
    });
  }
};

const ask: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-gemini:ask-about-output',
  description:
    'Adds "Ask Gemini about this output" to the output context menu and the palette.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    addAskCommand(app, tracker, palette);
  }
};

const highlight: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-gemini:highlight',
  description: 'Highlights the body of %%gemini cells as Markdown.',
  autoStart: true,
  requires: [IEditorExtensionRegistry, IEditorLanguageRegistry],
  activate: async (
    app: JupyterFrontEnd,
    extensions: IEditorExtensionRegistry,
    languages: IEditorLanguageRegistry
  ) => {
    // JupyterLab's own Markdown (with fenced code languages and LaTeX), as in Markdown cells.
    const found =
      languages.findByMIME('text/x-ipythongfm') ??
      languages.findByMIME('text/x-markdown');
    const spec = found ? await languages.getLanguage(found) : null;
    const markdown = spec?.support?.language;
    if (!markdown) {
      console.warn(
        'jupyter-gemini: no Markdown language found; %%gemini cells keep Python highlighting'
      );
      return;
    }
    extensions.addExtension({
      name: 'jupyter-gemini:markdown-body',
      factory: options =>
        options.inline
          ? EditorExtensionRegistry.createImmutableExtension(
              geminiCellHighlighting(
                markdown,
                options.model.sharedModel.getSource()
              )
            )
          : null
    });
  }
};

export default [renderer, status, ask, highlight];
