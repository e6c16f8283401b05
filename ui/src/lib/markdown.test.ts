import { describe, expect, it } from 'vitest';
import { parseNotice } from './markdown';

describe('parseNotice', () => {
	it('reads headings, joined paragraphs with bold runs, and lists', () => {
		const blocks = parseNotice('# Title\n\n**What.** one\ntwo *quoted*\n\n- a\n  continued\n- b');

		expect(blocks).toEqual([
			{ kind: 'heading', runs: [{ text: 'Title', bold: false }] },
			{
				kind: 'paragraph',
				runs: [
					{ text: 'What.', bold: true },
					{ text: ' one two quoted', bold: false }
				]
			},
			{
				kind: 'list',
				items: [[{ text: 'a continued', bold: false }], [{ text: 'b', bold: false }]]
			}
		]);
	});
});
