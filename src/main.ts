/**
 * The process entry (`node dist/main.js`; npm start, the image and the Helm chart run it). It loads
 * bootstrap/boot-heap.js first, which holds V8's young generation at its initial size, and only
 * then the rest of the server: Node parses and links a module's whole static import graph before
 * running any of it, so the server's modules are loaded with a dynamic import to be loaded under
 * that setting, and with date formatters built on first use (bootstrap/lazy-date-time-format.ts;
 * docs/operations.md, memory sizing).
 */
import './bootstrap/boot-heap.js';
import { withLazyDateTimeFormat } from './bootstrap/lazy-date-time-format.js';

const { runProcess } = await withLazyDateTimeFormat(() => import('./bootstrap/main-process.js'));
runProcess();
