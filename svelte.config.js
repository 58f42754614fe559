/** Svelte compiler settings, read by the Vite plugin and by svelte-check. */
export default {
  compilerOptions: {
    // Every component uses runes, so legacy reactivity (`$:`, `export let`) is a mistake here.
    runes: true,
  },
};
