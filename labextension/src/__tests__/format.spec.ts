import {
  bodyMarkdown,
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
  it('renders the kernel body once final, and the text so far while streaming', () => {
    expect(bodyMarkdown(KERNEL.code_format)).toBe('```python\nprint(1)\n```');
    expect(bodyMarkdown(KERNEL.json_format)).toBe(
      '```json\n{\n  "a": 1\n}\n```'
    );
    expect(bodyMarkdown(KERNEL.json_invalid)).toBe('```json\nnot json\n```');
    expect(
      bodyMarkdown({
        ...KERNEL.code_format,
        status: 'streaming',
        text: 'print('
      })
    ).toBe('print(');
    const older = { ...KERNEL.code_format, markdown: undefined };
    expect(bodyMarkdown(older)).toBe(KERNEL.code_format.text);
  });

  it('shortens model ids for the status bar', () => {
    expect(shortModel('google/gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(shortModel('other/model')).toBe('other/model');
  });
});
