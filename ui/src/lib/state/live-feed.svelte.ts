/**
 * The live event feed: `GET /events/stream` over a WebSocket, or, when the engine has no such
 * route or the socket fails, polling `GET /events?after_id=` (shown as such, with the reason).
 * Events are handed out in batches at most ten times a second, so a burst of hundreds of events
 * a second costs a few renders, not hundreds.
 */
import { socketUrl, type StoredEvent } from '$lib/api';
import type { EngineConnection } from './engine.svelte';

export type FeedMode = 'connecting' | 'stream' | 'polling' | 'offline';
type Listener = (events: StoredEvent[]) => void;

const KEEP = 200;
const FLUSH_MS = 100;
const POLL_MS = 2000;

export class LiveFeed {
	recent = $state.raw<StoredEvent[]>([]);
	mode = $state<FeedMode>('connecting');
	reason = $state<string | null>(null);
	received = $state(0);
	lagged = $state(0);
	private lastId = 0;
	private pending: StoredEvent[] = [];
	private flushTimer: ReturnType<typeof setTimeout> | undefined;
	private pollTimer: ReturnType<typeof setTimeout> | undefined;
	private socket: WebSocket | undefined;
	private listeners = new Set<Listener>();
	private started = false;

	constructor(private readonly connection: EngineConnection) {}

	/** Calls `listener` with every batch of new events; returns the unsubscribe function. */
	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	async start(): Promise<void> {
		if (this.started) return;
		this.started = true;
		const newest = await this.connection.client.get<StoredEvent[]>('/events', { limit: 50 });
		if (newest.ok) {
			this.recent = newest.data;
			this.lastId = newest.data[0]?.id ?? 0;
		}
		this.openStream();
	}

	private openStream(): void {
		let opened = false;
		const socket = new WebSocket(socketUrl(this.connection.client.address, '/events/stream'));
		this.socket = socket;
		socket.onopen = () => {
			opened = true;
			this.mode = 'stream';
			this.reason = null;
		};
		socket.onmessage = (message) => this.onMessage(String(message.data));
		socket.onclose = (close) => {
			this.socket = undefined;
			if (opened) {
				this.mode = 'connecting';
				this.reason = `stream closed (${close.code}); reconnecting`;
				setTimeout(() => this.openStream(), 1000);
			} else {
				this.fallBackToPolling();
			}
		};
	}

	private fallBackToPolling(): void {
		this.mode = 'polling';
		this.reason =
			'GET /events/stream is not available on this engine; polling GET /events every 2 s';
		void this.poll();
	}

	private async poll(): Promise<void> {
		const answer = await this.connection.client.get<StoredEvent[]>('/events', {
			after_id: this.lastId,
			limit: 500
		});
		if (answer.ok) {
			this.mode = 'polling';
			this.accept(answer.data);
		} else {
			this.mode = 'offline';
			this.reason = answer.reason;
		}
		this.pollTimer = setTimeout(() => this.poll(), POLL_MS);
	}

	private onMessage(text: string): void {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			return;
		}
		if (parsed && typeof parsed === 'object' && 'lagged' in parsed) {
			this.lagged += Number((parsed as { lagged: number }).lagged) || 0;
			return;
		}
		this.accept([parsed as StoredEvent]);
	}

	private accept(events: StoredEvent[]): void {
		const fresh = events.filter((event) => event.id > this.lastId);
		if (fresh.length === 0) return;
		this.lastId = fresh[fresh.length - 1].id;
		this.pending.push(...fresh);
		this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
	}

	private flush(): void {
		this.flushTimer = undefined;
		const batch = this.pending;
		this.pending = [];
		this.received += batch.length;
		const newestFirst = batch.slice(-KEEP).reverse();
		this.recent = [...newestFirst, ...this.recent].slice(0, KEEP);
		for (const listener of this.listeners) listener(batch);
	}
}
