/**
 * State of the Go view: the installed toolchains, and which toolchain runs in each context for
 * the project folder typed in.
 */
import type { ApiClient, GoResolutionView, ToolchainsView } from '../../src-main/shared/contract.ts';
import { messageOf } from './api-client.ts';

export class GoState {
  toolchains = $state.raw<ToolchainsView | null>(null);
  resolution = $state.raw<GoResolutionView | null>(null);
  /** The project folder as typed; empty for none. */
  project = $state('');
  loading = $state(false);
  error = $state<string | null>(null);

  readonly client: ApiClient;

  constructor(client: ApiClient) {
    this.client = client;
  }

  /** Loads the inventory and the resolution for the current project folder. */
  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    const project = this.project.trim();
    try {
      const [toolchains, resolution] = await Promise.all([
        this.client.call('go.toolchains', {}),
        this.client.call('go.resolve', project === '' ? {} : { project }),
      ]);
      this.toolchains = toolchains;
      this.resolution = resolution;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.loading = false;
    }
  }
}
