/**
 * The one place the page calls the engine. Every call resolves to an {@link ApiResult}: data,
 * or a reason a person can read ("GET /gpu/status: 404 no route ..."), never a thrown error,
 * so views can show "unavailable: <reason>" instead of stale numbers.
 */
import { engineUrl, type EngineAddress } from './address';

export type ApiResult<T> =
	| { ok: true; data: T }
	| { ok: false; status: number; reason: string; detail: unknown };

export type Query = Record<string, string | number | null | undefined>;

export class EngineClient {
	address: EngineAddress;
	/** Called on a 401, so the page can ask for the key. */
	onUnauthorized: () => void = () => {};

	constructor(address: EngineAddress) {
		this.address = address;
	}

	get<T>(path: string, query: Query = {}): Promise<ApiResult<T>> {
		return this.send<T>('GET', path, query);
	}

	post<T>(path: string, body: unknown, query: Query = {}): Promise<ApiResult<T>> {
		return this.send<T>('POST', path, query, body);
	}

	/** A link that carries the key in the query, for downloads the browser makes itself. */
	link(path: string, query: Query = {}): string {
		return engineUrl(this.address, path, query, true);
	}

	private async send<T>(
		method: string,
		path: string,
		query: Query,
		body?: unknown
	): Promise<ApiResult<T>> {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (this.address.key) headers['x-api-key'] = this.address.key;
		if (body !== undefined) headers['content-type'] = 'application/json';
		let response: Response;
		try {
			response = await fetch(engineUrl(this.address, path, query), {
				method,
				headers,
				body: body === undefined ? undefined : JSON.stringify(body)
			});
		} catch (error) {
			return failure(0, `${method} ${path}: engine unreachable (${describe(error)})`, null);
		}
		return readAnswer<T>(method, path, response, () => this.onUnauthorized());
	}
}

async function readAnswer<T>(
	method: string,
	path: string,
	response: Response,
	onUnauthorized: () => void
): Promise<ApiResult<T>> {
	const text = await response.text().catch(() => '');
	const parsed = parseJson(text);
	if (response.ok) {
		if (parsed === undefined)
			return failure(response.status, `${method} ${path}: answer is not JSON`, text);
		return { ok: true, data: parsed as T };
	}
	if (response.status === 401) onUnauthorized();
	return failure(
		response.status,
		`${method} ${path}: ${response.status} ${detailOf(parsed, response)}`,
		parsed
	);
}

/** The upstream's own words: FastAPI-style `detail` (string or list), else the status text. */
export function detailOf(body: unknown, response?: { statusText: string }): string {
	if (body && typeof body === 'object' && 'detail' in body) {
		const detail = (body as { detail: unknown }).detail;
		return typeof detail === 'string' ? detail : JSON.stringify(detail);
	}
	return response?.statusText || 'error';
}

function failure(status: number, reason: string, detail: unknown): ApiResult<never> {
	return { ok: false, status, reason, detail };
}

function parseJson(text: string): unknown {
	if (text === '') return null;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
