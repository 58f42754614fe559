/** Starts the renderer: connects to the engine and mounts the overview. */
import { mount } from 'svelte';

import App from './App.svelte';
import './app.css';
import { createApiClient } from './lib/api-client.ts';
import { ScanState } from './lib/ScanState.svelte.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount the renderer in');

mount(App, { target, props: { scan: new ScanState(createApiClient()) } });
