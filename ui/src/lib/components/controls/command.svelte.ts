/** One command's lifecycle for a form: pending, then the result or the upstream's error. */
import type { ApiResult } from '$lib/api';

export class CommandState {
	pending = $state(false);
	result = $state.raw<ApiResult<unknown> | null>(null);

	async run(send: () => Promise<ApiResult<unknown>>, after?: () => unknown): Promise<void> {
		this.pending = true;
		this.result = await send();
		this.pending = false;
		if (this.result.ok) await after?.();
	}
}
