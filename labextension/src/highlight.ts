/**
 * Markdown highlighting for the body of `%%gemini` cells.
 *
 * JupyterLab sets each cell's language in its own compartment (Python for
 * code cells). This editor extension owns a second compartment, at higher
 * precedence, that holds JupyterLab's Markdown language (fenced code, LaTeX)
 * only while the first line is `%%gemini`; the `language` facet takes its
 * first value, so the cell is parsed as Markdown, and as Python again as soon
 * as the magic line goes. A transaction extender switches the compartment in
 * the same transaction as the edit. The magic line is marked like a keyword.
 *
 * (The compartment is emptied rather than computed to nothing: a `language`
 * facet with no value would break CodeMirror's parser state.)
 */

import { Language } from '@codemirror/language';
import {
  Compartment,
  EditorState,
  Extension,
  Prec,
  RangeSetBuilder,
  StateField,
  Text
} from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';

const MAGIC = /^(%%gemini)(?=\s|$)(.*)$/;

/** True when `doc`'s first line is the `%%gemini` cell magic. */
export function isGeminiCell(doc: Text): boolean {
  return doc.lines > 0 && MAGIC.test(doc.line(1).text);
}

const geminiField = StateField.define<boolean>({
  create: state => isGeminiCell(state.doc),
  update: (value, tr) => (tr.docChanged ? isGeminiCell(tr.newDoc) : value)
});

const magicMark = Decoration.mark({ class: 'jp-GeminiMagic' });
const optionsMark = Decoration.mark({ class: 'jp-GeminiMagic-options' });

function magicDecorations(state: EditorState): DecorationSet {
  if (!state.field(geminiField)) {
    return Decoration.none;
  }
  const line = state.doc.line(1);
  const match = MAGIC.exec(line.text);
  const builder = new RangeSetBuilder<Decoration>();
  if (match) {
    const end = line.from + match[1].length;
    builder.add(line.from, end, magicMark);
    if (match[2].trim()) {
      builder.add(end, line.to, optionsMark);
    }
  }
  return builder.finish();
}

const decorationField = StateField.define<DecorationSet>({
  create: magicDecorations,
  update: (value, tr) => (tr.docChanged ? magicDecorations(tr.state) : value),
  provide: field => EditorView.decorations.from(field)
});

/**
 * The extension for one cell editor.
 *
 * `markdown` is the language to switch to; `initialSource` is the cell's text
 * when the editor is created (the compartment's first content must be right
 * before any transaction happens).
 */
export function geminiCellHighlighting(
  markdown: Language,
  initialSource: string
): Extension {
  const compartment = new Compartment();
  const on = Prec.highest(markdown.extension);
  const off: Extension = [];
  const initial = isGeminiCell(Text.of(initialSource.split('\n')));
  return [
    geminiField,
    decorationField,
    compartment.of(initial ? on : off),
    EditorState.transactionExtender.of(tr => {
      if (!tr.docChanged) {
        return null;
      }
      const want = isGeminiCell(tr.newDoc);
      const has = compartment.get(tr.startState) === on;
      return want === has
        ? null
        : { effects: compartment.reconfigure(want ? on : off) };
    })
  ];
}
