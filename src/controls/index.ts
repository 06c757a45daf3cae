export * from './battery-controls.js';
export * from './settings.js';
