import {
  bodyMarkdown,
  extractCode,
  footerParts,
  footerText,
  shortModel,
  usdText
} from '../format';
import { KERNEL } from './helpers';

describe('amounts and the footer come written by the kernel', () => {
  it.each([
    'complete',
    'emulator',
    'unpriced',
    'partial',
    'exponent',
    'cached',
    'attachments'
  ] as const)('the %s footer reads as the kernel wrote it', name => {
    const answer = KERNEL[name];
    expect(footerText(answer)).toBe(answer.footer);
  });

  it('keeps what the kernel said about costs it cannot know', () => {
    expect(footerParts(KERNEL.unpriced).cost).toBe(
      '≈ cost unknown until %gemini cost --reconcile'
    );
    expect(footerParts(KERNEL.exponent).cost).toBe('$0.0000001035');
    expect(footerParts(KERNEL.cached).cost).toBe(
      'cached · $0 (saved $0.0001035)'
    );
  });

  it('shows an older kernel its own footer and exact amounts', () => {
    const old = { ...KERNEL.complete, footer_parts: undefined };
    expect(footerText(old)).toBe(KERNEL.complete.footer);
    expect(usdText(undefined, '0.02')).toBe('$0.02');
    expect(usdText('≈$0.02', '0.02')).toBe('≈$0.02');
    expect(usdText(null, null)).toBe('$0');
  });
});

describe('body', () => {
  it('extracts code like _render.extract_code', () => {
    expect(extractCode('Here:\n```python\nx = 1\n```\nbye')).toBe('x = 1');
    expect(extractCode('~~~\na\n~~~')).toBe('a');
    expect(extractCode('\nprint(1)\n')).toBe('print(1)');
  });

  it('builds the body per format, and leaves streaming text as it is', () => {
    expect(
      bodyMarkdown({ format: 'code', status: 'complete', text: 'print(1)' })
    ).toBe('```python\nprint(1)\n```');
    expect(
      bodyMarkdown({ format: 'json', status: 'complete', text: '{"a":1}' })
    ).toBe('```json\n{\n  "a": 1\n}\n```');
    expect(
      bodyMarkdown({ format: 'json', status: 'complete', text: 'not json' })
    ).toBe('```json\nnot json\n```');
    expect(
      bodyMarkdown({ format: 'code', status: 'streaming', text: 'print(' })
    ).toBe('print(');
  });

  it('shortens model ids for the status bar', () => {
    expect(shortModel('google/gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(shortModel('other/model')).toBe('other/model');
  });
});
