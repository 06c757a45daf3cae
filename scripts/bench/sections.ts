/**
 * The benchmark's sections, in the order they run and print. A section marked `background` starts first and
 * runs beside the others (the 15 s interval needs 10 minutes for 40 cycles; its processes are mostly asleep).
 * To add a section: one file exporting a `Section`, one line here.
 */
import { fastLoopSection } from './fast-loop.js';
import type { Section } from './lib.js';
import { nativeSection } from './native.js';
import { startupSection } from './startup.js';
import { steadySection } from './steady.js';
import { trayIconSection } from './tray-icon.js';
import { traySection } from './tray.js';

export const SECTIONS: Section[] = [
  steadySection(15, { background: true }),
  steadySection(1),
  startupSection,
  fastLoopSection,
  traySection,
  trayIconSection,
  nativeSection,
];
