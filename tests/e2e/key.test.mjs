// With TELEMETRY_API_KEY set, the dashboard's files load without the key, the page asks for the
// key on the first 401, and once given (typed or as ?key=) it shows the data.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { launchBrowser, openPage, seedEvents, startDashboardEngine } from '../support/browser.mjs';

const KEY = 'e2e-secret';
let engine;
let browser;

before(async () => {
	engine = await startDashboardEngine({ TELEMETRY_API_KEY: KEY });
	await fetch(`${engine.base}/events`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify(seedEvents().slice(0, 20)) });
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await engine?.stop();
});

it('asks for the key on a 401 and loads the data once it is typed', async () => {
	const { page, context } = await openPage(browser);

	await page.goto(`${engine.base}/history`);
	await page.waitForSelector('input[aria-label="API key"]', { timeout: 15_000 });
	await page.fill('input[aria-label="API key"]', KEY);
	await page.click('text=Use key');
	await page.waitForSelector('[data-virtual-list] [data-event-id]', { timeout: 15_000 });

	assert.equal(await page.$('input[aria-label="API key"]'), null, 'the prompt is gone once the key works');
	await context.close();
});

it('takes the key from ?key= in the URL', async () => {
	const { page, context } = await openPage(browser);

	await page.goto(`${engine.base}/history?key=${KEY}`);
	await page.waitForSelector('[data-virtual-list] [data-event-id]', { timeout: 15_000 });

	assert.equal(await page.$('input[aria-label="API key"]'), null, 'no prompt with a valid key in the URL');
	await context.close();
});
