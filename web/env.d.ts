/** CSS imported from TypeScript is bundled by Bun.build into its own hashed .css file. */
declare module '*.css';
