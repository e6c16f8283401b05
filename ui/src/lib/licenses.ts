/**
 * The licence texts shown in Credits, bundled at build time from `licenses/` at the repository
 * root, so the page needs no API route for them; the PDFs become hashed build assets.
 */
import projectLicense from '../../../licenses/LICENSE?raw';
import coquiText from '../../../licenses/third_party/coqui_tts_model_card.md?raw';
import coquiPdf from '../../../licenses/third_party/coqui_tts_model_card.pdf?url';
import lumiText from '../../../licenses/third_party/live2d_lumi_license.md?raw';
import lumiPdf from '../../../licenses/third_party/live2d_lumi_license.pdf?url';
import llamaText from '../../../licenses/third_party/llama3_license.md?raw';
import llamaPdf from '../../../licenses/third_party/llama3_license.pdf?url';

export interface Notice {
	id: string;
	title: string;
	text: string;
	pdf: string;
	pdfPath: string;
}

export const PROJECT_LICENSE = projectLicense;

export const NOTICES: Notice[] = [
	{
		id: 'llama3',
		title: 'Meta Llama 3',
		text: llamaText,
		pdf: llamaPdf,
		pdfPath: 'licenses/third_party/llama3_license.pdf'
	},
	{
		id: 'coqui',
		title: 'Coqui TTS',
		text: coquiText,
		pdf: coquiPdf,
		pdfPath: 'licenses/third_party/coqui_tts_model_card.pdf'
	},
	{
		id: 'lumi',
		title: 'Live2D avatar "Lumi"',
		text: lumiText,
		pdf: lumiPdf,
		pdfPath: 'licenses/third_party/live2d_lumi_license.pdf'
	}
];
