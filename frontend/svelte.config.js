// Defaults are enough: Svelte 5 understands TypeScript in <script lang="ts"> itself.
export default {};
