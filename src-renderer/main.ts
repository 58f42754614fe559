/** Starts the renderer: connects to the engine and mounts the window. */
import { mount } from 'svelte';

import App from './App.svelte';
import './app.css';
import { createApiClient } from './lib/api-client.ts';
import { EditState } from './lib/EditState.svelte.ts';
import { FileViewerState } from './lib/FileViewerState.svelte.ts';
import { FindingsState } from './lib/FindingsState.svelte.ts';
import { GoState } from './lib/GoState.svelte.ts';
import { ScanState } from './lib/ScanState.svelte.ts';
import { ViewState } from './lib/ViewState.svelte.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount the renderer in');

const client = createApiClient();
const scan = new ScanState(client);
mount(App, {
  target,
  props: {
    scan,
    views: new ViewState(),
    files: new FileViewerState(client),
    go: new GoState(client),
    edit: new EditState(client, () => scan.reload()),
    findings: new FindingsState(client),
  },
});
