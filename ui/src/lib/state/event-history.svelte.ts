/**
 * The event history with filters, walked page by page (500 at a time) with `before_id` through
 * the whole store; the list virtualises, so holding 100k rows costs memory, not frames. The
 * CSV link carries the same filters to `GET /events/export`.
 */
import type { ApiResult, LogLine, StoredEvent } from '$lib/api';
import type { EngineConnection } from './engine.svelte';

export interface EventFilters {
	type: string;
	source: string;
	/** `datetime-local` values (local time), or empty. */
	since: string;
	until: string;
}

const PAGE = 500;

export class EventHistory {
	filters = $state<EventFilters>({ type: '', source: '', since: '', until: '' });
	items = $state.raw<StoredEvent[]>([]);
	loading = $state(false);
	complete = $state(false);
	error = $state<string | null>(null);
	private generation = 0;

	constructor(private readonly connection: EngineConnection) {}

	/** The filters as the engine takes them (ISO times in UTC). */
	query(): Record<string, string> {
		const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
		return {
			type: this.filters.type.trim(),
			source: this.filters.source.trim(),
			since: toIso(this.filters.since),
			until: toIso(this.filters.until)
		};
	}

	exportUrl(): string {
		return this.connection.client.link('/events/export', this.query());
	}

	async reload(): Promise<void> {
		this.generation++;
		this.items = [];
		this.complete = false;
		this.error = null;
		this.loading = false;
		await this.loadMore();
	}

	async loadMore(): Promise<void> {
		if (this.loading || this.complete) return;
		this.loading = true;
		const generation = this.generation;
		const beforeId = this.items.at(-1)?.id;
		const answer = await this.connection.client.get<StoredEvent[]>('/events', {
			...this.query(),
			limit: PAGE,
			before_id: beforeId
		});
		if (generation !== this.generation) return;
		this.loading = false;
		if (!answer.ok) {
			this.error = answer.reason;
			return;
		}
		this.items = [...this.items, ...answer.data];
		this.complete = answer.data.length < PAGE;
	}
}

export interface LogFilters {
	service: string;
	level: string;
	contains: string;
}

/** The Kitsu services' logs through `GET /logs`. */
export class ServiceLogs {
	filters = $state<LogFilters>({ service: '', level: '', contains: '' });
	answer = $state.raw<ApiResult<LogLine[]> | null>(null);

	constructor(private readonly connection: EngineConnection) {}

	async reload(): Promise<void> {
		this.answer = await this.connection.client.get<LogLine[]>('/logs', {
			...this.filters,
			limit: 500
		});
	}
}
