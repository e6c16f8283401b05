// Writes licenses/third_party/<name>.pdf from each <name>.md beside it: a plain-text PDF 1.4
// (Helvetica, A4, wrapped at 90 characters) with no dependency, so the documented PDF paths stay
// in step with the Markdown we write. Run: node licenses/build-pdfs.mjs [--check]
// (--check writes nothing and fails when a committed PDF differs from its Markdown.)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, 'third_party');
const LINES_PER_PAGE = 56;
const WIDTH = 90;

/** Markdown to plain lines: drop emphasis marks, wrap long lines, keep blank lines. */
function toLines(markdown) {
	const lines = [];
	for (const raw of markdown.replace(/\*\*|\*|`/g, '').split('\n')) {
		const indent = raw.startsWith('- ') ? '  ' : '';
		let rest = raw.replace(/^#+ /, '');
		while (rest.length > WIDTH) {
			const cut = rest.lastIndexOf(' ', WIDTH);
			const at = cut > 0 ? cut : WIDTH;
			lines.push(rest.slice(0, at));
			rest = indent + rest.slice(at).trimStart();
		}
		lines.push(rest);
	}
	return lines;
}

/** PDF string literal in the standard Latin encoding: escape delimiters, replace non-ASCII. */
function pdfText(line) {
	const ascii = line.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/[–—]/g, '-').replace(/[^\x20-\x7e]/g, '?');
	return `(${ascii.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

function pageStream(lines) {
	const body = lines.map((line) => `${pdfText(line)} Tj T*`).join('\n');
	return `BT /F1 10 Tf 13 TL 56 790 Td\n${body}\nET`;
}

function buildPdf(lines) {
	const pages = [];
	for (let i = 0; i < lines.length; i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE));
	const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '', '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
	const kids = [];
	for (const page of pages) {
		const stream = pageStream(page);
		objects.push(`<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`);
		const contentId = objects.length;
		objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`);
		kids.push(`${objects.length} 0 R`);
	}
	objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length} >>`;
	let out = '%PDF-1.4\n';
	const offsets = objects.map((object, i) => {
		const at = Buffer.byteLength(out);
		out += `${i + 1} 0 obj\n${object}\nendobj\n`;
		return at;
	});
	const xref = Buffer.byteLength(out);
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return out;
}

const check = process.argv.includes('--check');
for (const file of readdirSync(DIR).filter((f) => f.endsWith('.md'))) {
	const pdf = buildPdf(toLines(readFileSync(join(DIR, file), 'utf8')));
	const target = join(DIR, file.replace(/\.md$/, '.pdf'));
	if (check) {
		const current = existsSync(target) ? readFileSync(target, 'latin1') : null;
		if (current !== pdf) {
			console.error(`${target} is out of date: run pnpm licenses:pdf`);
			process.exitCode = 1;
		}
		continue;
	}
	writeFileSync(target, pdf, 'latin1');
	console.log(`wrote ${target} (${pdf.length} bytes)`);
}
