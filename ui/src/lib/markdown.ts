/**
 * Just enough Markdown for our own licence notices: headings, paragraphs (soft-wrapped lines
 * joined), bullet lists and bold runs. Returns data, not HTML, so nothing is injected.
 */

export type Run = { text: string; bold: boolean };
export type Block =
	| { kind: 'heading' | 'paragraph'; runs: Run[] }
	| { kind: 'list'; items: Run[][] };

export function parseNotice(markdown: string): Block[] {
	const blocks: Block[] = [];
	for (const chunk of markdown.trim().split(/\n\s*\n/)) {
		const lines = chunk.split('\n').map((line) => line.trim());
		if (lines[0].startsWith('#')) {
			blocks.push({ kind: 'heading', runs: runs(lines[0].replace(/^#+\s*/, '')) });
		} else if (lines[0].startsWith('- ')) {
			const items: string[] = [];
			for (const line of lines) {
				if (line.startsWith('- ')) items.push(line.slice(2));
				else items[items.length - 1] += ` ${line}`;
			}
			blocks.push({ kind: 'list', items: items.map(runs) });
		} else {
			blocks.push({ kind: 'paragraph', runs: runs(lines.join(' ')) });
		}
	}
	return blocks;
}

function runs(text: string): Run[] {
	return text
		.split('**')
		.map((part, i) => ({ text: part.replace(/(^|\s)\*([^*]+)\*/g, '$1$2'), bold: i % 2 === 1 }))
		.filter((run) => run.text !== '');
}
