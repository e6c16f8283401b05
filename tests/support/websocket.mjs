// A minimal WebSocket client for the smoke tests: Node 20 has no WebSocket without a flag, and
// the relay only sends text frames, so reading them is all the tests need.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

/** Opens `url` (ws://); resolves to a reader of JSON text messages. */
export function openWebSocket(url) {
	const { hostname, port, pathname, search } = new URL(url);
	const req = request({
		hostname,
		port,
		path: pathname + search,
		headers: {
			Connection: 'Upgrade',
			Upgrade: 'websocket',
			'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
			'Sec-WebSocket-Version': '13'
		}
	});
	return new Promise((resolve, reject) => {
		req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
		req.on('error', reject);
		req.on('upgrade', (_res, socket, head) => resolve(new Reader(socket, head)));
		req.end();
	});
}

class Reader {
	#socket;
	#buffer;
	#fragments = [];
	#messages = [];
	#waiters = [];
	#closed = false;

	constructor(socket, head) {
		this.#socket = socket;
		this.#buffer = head;
		socket.on('data', (chunk) => {
			this.#buffer = Buffer.concat([this.#buffer, chunk]);
			this.#parse();
		});
		socket.on('close', () => {
			this.#closed = true;
			this.#wake();
		});
		this.#parse();
	}

	/** Resolves to the next JSON message matching `wanted`, or rejects after `timeoutMs`. */
	async next(wanted = () => true, timeoutMs = 15_000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			while (this.#messages.length) {
				const message = JSON.parse(this.#messages.shift());
				if (wanted(message)) return message;
			}
			if (this.#closed) throw new Error('the stream closed');
			const left = deadline - Date.now();
			if (left <= 0) throw new Error('no matching message in time');
			await new Promise((wake) => {
				const timer = setTimeout(wake, left);
				this.#waiters.push(() => {
					clearTimeout(timer);
					wake();
				});
			});
		}
	}

	close() {
		// A masked close frame with an empty body, as clients must send.
		this.#socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
	}

	#wake() {
		for (const wake of this.#waiters.splice(0)) wake();
	}

	#parse() {
		for (;;) {
			const frame = readFrame(this.#buffer);
			if (!frame) return;
			this.#buffer = this.#buffer.subarray(frame.size);
			if (frame.opcode === 8) {
				this.#socket.end();
				return;
			}
			if (frame.opcode === 1 || frame.opcode === 0) this.#fragments.push(frame.payload);
			if (frame.fin && this.#fragments.length) {
				this.#messages.push(Buffer.concat(this.#fragments.splice(0)).toString('utf8'));
				this.#wake();
			}
		}
	}
}

/** One unmasked server frame from the start of `buffer`, or null if it is not all there. */
function readFrame(buffer) {
	if (buffer.length < 2) return null;
	let length = buffer[1] & 0x7f;
	let offset = 2;
	if (length === 126) {
		if (buffer.length < 4) return null;
		length = buffer.readUInt16BE(2);
		offset = 4;
	} else if (length === 127) {
		if (buffer.length < 10) return null;
		length = Number(buffer.readBigUInt64BE(2));
		offset = 10;
	}
	if (buffer.length < offset + length) return null;
	return {
		fin: (buffer[0] & 0x80) !== 0,
		opcode: buffer[0] & 0x0f,
		payload: buffer.subarray(offset, offset + length),
		size: offset + length
	};
}
