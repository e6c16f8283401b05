// Drives the real desktop app through WebDriver: tauri-driver in front of Debian's
// WebKitWebDriver, which starts the app binary and automates its window. The caller runs under
// a display (xvfb-run) and a session bus (dbus-run-session); `pnpm test:desktop` sets both up.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(import.meta.dirname, '../..');
export const APP_BIN =
	process.env.KITSU_DESKTOP_BIN ?? join(ROOT, 'src-tauri/target/debug/kitsu-telemetry-desktop');
export const IDENTIFIER = JSON.parse(
	readFileSync(join(ROOT, 'src-tauri/tauri.conf.json'), 'utf8')
).identifier;

/** A free loopback port (closed again, so a child can take it). */
export function freePort() {
	return new Promise((done, fail) => {
		const server = createServer();
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => done(port));
		});
	});
}

/** A home for one app: its own XDG folders (data, logs, window state), database and export. */
export function appHome() {
	const dir = mkdtempSync(join(tmpdir(), 'kitsu-desktop-'));
	return {
		dir,
		env: {
			HOME: dir,
			XDG_DATA_HOME: join(dir, 'data'),
			XDG_CONFIG_HOME: join(dir, 'config'),
			XDG_CACHE_HOME: join(dir, 'cache'),
			TELEMETRY_DB_PATH: join(dir, 'telemetry.db'),
			TELEMETRY_EXPORT_PATH: join(dir, 'export.csv')
		},
		/** Everything the app logged to its daily file so far. */
		logFile() {
			const logs = join(dir, 'data', IDENTIFIER, 'logs');
			if (!existsSync(logs)) return '';
			return readdirSync(logs)
				.map((name) => readFileSync(join(logs, name), 'utf8'))
				.join('');
		}
	};
}

/** Starts tauri-driver with `env` for the app it will launch; resolves once it listens. */
export async function startDriver(env) {
	const port = await freePort();
	const nativePort = await freePort();
	const child = spawn(
		'tauri-driver',
		['--port', String(port), '--native-port', String(nativePort)],
		{
			env: { ...process.env, RUST_LOG: 'info', NO_AT_BRIDGE: '1', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 100; i++) {
		if (child.exitCode !== null) throw new Error(`tauri-driver exited:\n${output}`);
		try {
			await fetch(`${url}/status`);
			break;
		} catch {
			await sleep(100);
		}
	}
	return {
		url,
		output: () => output,
		/** Stops the driver and any app it left running (a failed test ends no session), and lets
		 * go of the output pipes the app inherited, so the test process can exit. */
		async stop() {
			const app = appPid();
			if (app) process.kill(app, 'SIGKILL');
			if (child.exitCode === null) {
				const exited = new Promise((done) => child.once('exit', done));
				child.kill('SIGTERM');
				await exited;
			}
			child.stdout.destroy();
			child.stderr.destroy();
		}
	};
}

/** Asks the running app to quit the way the desktop does at logout (SIGTERM), and resolves once
 * it has exited. WebDriver has no command that quits the app gracefully: ending a session kills it. */
export async function quitApp(timeoutMs = 15_000) {
	const pid = appPid();
	if (!pid) throw new Error('the app is not running');
	process.kill(pid, 'SIGTERM');
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!existsSync(`/proc/${pid}`)) return;
		await sleep(100);
	}
	throw new Error(`the app (pid ${pid}) did not exit ${timeoutMs} ms after SIGTERM`);
}

/** The pid of the running app binary, if any (the newest, should there be several). */
export function appPid() {
	let newest = null;
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0];
			if (resolve(cmdline) === APP_BIN && (!newest || Number(name) > newest)) newest = Number(name);
		} catch {
			// The process ended while we looked.
		}
	}
	return newest;
}

/** A WebDriver session on the app's window. */
export class Window {
	constructor(driver, id) {
		this.driver = driver;
		this.id = id;
	}

	/** Launches the app through `driver` and waits for its window. No browserName: tauri-driver
	 * matches on `tauri:options`. */
	static async open(driver, args = []) {
		const answer = await call(driver.url, 'POST', '/session', {
			capabilities: { alwaysMatch: { 'tauri:options': { application: APP_BIN, args } } }
		});
		return new Window(driver, answer.sessionId);
	}

	command(method, path, body) {
		return call(this.driver.url, method, `/session/${this.id}${path}`, body);
	}

	execute(script, args = []) {
		return this.command('POST', '/execute/sync', { script, args });
	}

	/** Waits for an element matching `selector` and returns its WebDriver id. */
	async find(selector, timeoutMs = 30_000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			try {
				const element = await this.command('POST', '/element', {
					using: 'css selector',
					value: selector
				});
				return Object.values(element)[0];
			} catch (error) {
				if (Date.now() > deadline) throw new Error(`no ${selector} after ${timeoutMs} ms: ${error.message}`);
				await sleep(200);
			}
		}
	}

	async click(selector) {
		const element = await this.find(selector);
		await this.command('POST', `/element/${element}/click`, {});
	}

	async type(selector, text) {
		const element = await this.find(selector);
		await this.command('POST', `/element/${element}/clear`, {});
		await this.command('POST', `/element/${element}/value`, { text });
	}

	async attribute(selector, name) {
		const element = await this.find(selector);
		return this.command('GET', `/element/${element}/attribute/${name}`);
	}

	/** The window as a PNG. */
	async screenshot() {
		return Buffer.from(await this.command('GET', '/screenshot'), 'base64');
	}

	/** Ends the session; WebKitWebDriver then kills the app if it is still running. */
	close() {
		return call(this.driver.url, 'DELETE', `/session/${this.id}`).catch(() => {});
	}
}

async function call(base, method, path, body) {
	const response = await fetch(base + path, {
		method,
		headers: body ? { 'content-type': 'application/json' } : {},
		body: body ? JSON.stringify(body) : undefined
	});
	const answer = await response.json().catch(() => ({}));
	if (!response.ok || answer.value?.error) {
		throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer.value ?? answer)}`);
	}
	return answer.value;
}
